/**
 * The fields of Tessera's Redis hashes: one letter each, because every byte counts across
 * millions of sessions. The Lua scripts in ./lua spell the same letters; change both together.
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
  /** The account's username (the service's own accounts). */
  username: 'n',
  passwordHash: 'p',
  /** When the account was created, in ms. */
  createdAt: 'c',
} as const;

/** Fields of a session hash (KeySpace.session(tag, localId)). */
export const SESSION_FIELD = {
  /** SHA-256 of the token's secret (first 16 bytes). */
  secretHash: 'h',
  /** The user's generation when the session was created. */
  generation: 'g',
  /** When the session was created, in ms. */
  created: 'c',
  deviceType: 't',
  deviceName: 'n',
  ip: 'i',
  userAgent: 'u',
} as const;

// A session of a remembered login also has `f`, its refresh family's id. Refresh families
// (KeySpace.forUser(tag).family) are read and written by Lua alone (lua/refresh.lua, create.lua):
// `h` refresh hash, `s` current session, `g` generation, `c` created, `t`/`n` device, and `p`,
// `pt`, `pe`, `pr` for the last spent token (its hash, when, the sealed pair, the pair's times).

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
