/**
 * The fields of Tessera's Redis hashes: one letter each, because every byte counts across
 * millions of sessions. The Lua scripts spell the session fields in one table (lua/prelude.lua,
 * SESSION), which a test holds equal to SESSION_FIELD; change both together.
 */

/** Fields of a user hash (KeySpace.forUser(tag).user). */
export const USER_FIELD = {
  /** The user id that claimed the routing tag. */
  userId: 'u',
  /** The login stamp: revoke-all bumps it, and a session of an older generation is dead. */
  generation: 'g',
  /** Roles, comma-joined. */
  roles: 'r',
  /** End of a ban in ms, or "inf" for a ban without end. */
  ban: 'b',
  /** The ban's details as JSON (reason, by whom, since, until), written with it in one step. */
  banDetails: 'bd',
  /** The account's username (the service's own accounts). */
  username: 'n',
  passwordHash: 'p',
  /** When the account was created, in ms. */
  createdAt: 'c',
  /** Prefix of a known device's field: `<prefix><digest>` -> its last login (ms); see rememberDevice.lua. */
  knownDevice: 'v:',
  /** Prefix of a session's entry in the user's session index: `<prefix><local id>` -> last seen (ms); prelude.lua's SEEN. */
  sessionSeen: 's:',
} as const;

/**
 * Session fields kept as the app hands them over (SessionMetadata) and given back unchanged
 * (SessionRecord, null when absent): record property -> its field and the longest value kept.
 * A new field of this kind is a line here, its type in records.ts, its getter in activeSession.ts
 * and its letter in prelude.lua's SESSION table; create, touch, list and decodeSession carry it.
 */
export const SESSION_TEXT_FIELDS = {
  ip: { field: 'i', maxLength: 64 },
  userAgent: { field: 'u', maxLength: 512 },
} as const;

export type SessionTextName = keyof typeof SESSION_TEXT_FIELDS;

/** Fields of a session hash (KeySpace.session(tag, localId)). */
export const SESSION_FIELD = {
  /** SHA-256 of the token's secret (first 16 bytes). */
  secretHash: 'h',
  /** The user's generation when the session was created. */
  generation: 'g',
  /** When the session was created, in ms. */
  created: 'c',
  /** The id of the refresh family of a remembered login. */
  family: 'f',
  /** A minted session's absolute end (ms) when its refresh family ends before its own lifetime would. */
  absoluteEnd: 'e',
  deviceType: 't',
  deviceName: 'n',
  ip: SESSION_TEXT_FIELDS.ip.field,
  /**
   * Only in replies: the session stores its user agent packed (packedUserAgent) or, when it does
   * not pack small, its short hash (agent).
   */
  userAgent: SESSION_TEXT_FIELDS.userAgent.field,
  /** The user agent in the compact form of userAgentCodec.ts, short enough to keep the hash a listpack. */
  packedUserAgent: 'w',
  /** The short hash naming the user's agent key (UserKeys.agentPrefix) that holds its user agent. */
  agent: 'a',
  /** The RFC 7638 thumbprint of the DPoP key the session is bound to (RFC 9449); absent for a bearer session. */
  boundKey: 'k',
  /** When the password was last proven on the session (login, reauthentication), in ms; sliding never moves it. */
  authenticatedAt: 'p',
  /** The idle timeout of the login's kind (ms) when shorter than the global one (lifetimeRules.ts). */
  idleTimeout: 'li',
  /** The absolute lifetime of the login's kind (ms) when shorter than the global one. */
  absoluteLifetime: 'la',
  /**
   * A session bound to a browser's key (DBSC): when the window its last key proof opened ends, in
   * ms. Its cookie is refused from then until the browser proves the key again. Absent for a session
   * no browser key was registered for. The key itself is kept apart (UserKeys.deviceKey), not as a
   * thumbprint in boundKey: a session with boundKey needs a DPoP proof on every request, which a
   * cookie cannot carry.
   */
  deviceBoundUntil: 'b',
  /**
   * A browser-bound session that took over its remembered login (DBSC start superseded the login's
   * refresh family): the idle timeout it lives by (ms), the refresh one, in place of the session's;
   * its absoluteEnd is the family's end, in place of its own lifetime.
   */
  rememberedIdle: 'r',
  /** An impersonation session: the id of the admin acting as the user (RFC 8693's actor). */
  actorId: 'ai',
  /** That admin's username. */
  actorName: 'an',
} as const;

// Refresh families (KeySpace.forUser(tag).family) are read and written by Lua alone
// (lua/refresh.lua, create.lua): `h` refresh hash, `s` current session, `g` generation, `c`
// created, `t`/`n` device, `k` the DPoP key its sessions are bound to, `p`, `pe`, `pn` for the last
// spent token (its hash, the sealed pair, and whether a retry was answered with it), and what its
// sessions inherit (writers.lua's FAMILY_CARRIES): `v` the sign-in time, `li`/`la` the lifetimes of
// the login's kind; `sb` when a browser key binding superseded the family (bindDevice.lua), which
// then refreshes nothing and takes any of its tokens presented for reuse.

/** Prefix of a session attribute's field, so attributes never collide with the fields above. */
export const ATTRIBUTE_PREFIX = 'x:';

export function attributeField(name: string): string {
  return ATTRIBUTE_PREFIX + name;
}

/** Roles are stored comma-joined on the user hash. */
export function joinRoles(roles: string[]): string {
  return roles.join(',');
}

export function splitRoles(roles: string): string[] {
  return roles ? roles.split(',') : [];
}
