/**
 * Every Redis key Tessera uses is built here and nowhere else. Keys are versioned (`v1`) so a
 * future layout can live beside this one, and every key of one user carries the user's routing
 * tag as a Redis Cluster hash tag (`{tag}`), so each script touches one hash slot.
 */
import { hash } from 'node:crypto';

/** Suffix of a refresh family's set of spent refresh hashes; prelude.lua spells it too (a test holds them equal). */
export const SPENT_REFRESHES_SUFFIX = ':x';
/** Suffix of a session's key that names its browser key (deviceKey); prelude.lua spells it too, to end both together. */
export const DEVICE_KEY_SUFFIX = ':k';

/** The keys of one user, all in the user's hash slot. A class, so a token check allocates no closures. */
export class UserKeys {
  /**
   * Hash: the user's id, generation (login stamp), roles, device map, known devices, session index
   * (prelude.lua's SEEN: local id -> last seen, ms) and, in the service, account.
   */
  readonly user: string;
  /**
   * Sorted set: the user's local session ids scored by when each was last seen (ms), as kept before
   * the session index became fields of the user hash; scripts adopt it into the user hash, then delete it.
   */
  readonly index: string;
  /**
   * Sorted set: the user's local session ids scored by creation time (ms), the stable order lists
   * page by; kept by the list script alone, from the session index, while the user lists.
   */
  readonly createdIndex: string;
  /** Sorted set: ids of the impersonation sessions this user (an admin) started, scored by when each ends (ms). */
  readonly impersonations: string;
  /** Prefix of the user's session hashes (scripts build a session's key from it and a local id). */
  readonly sessionPrefix: string;
  /**
   * Prefix of the user's refresh families: `<prefix><familyId>` is a family's hash (its current
   * refresh hash, session, generation, sealed last pair) and `<prefix><familyId>:x` the sorted
   * set of its spent refresh hashes. Scripts build both from it.
   */
  readonly familyPrefix: string;
  /**
   * Sorted set: digests of the devices that signed in as the user, scored by their last login
   * (ms), as kept before they became fields of the user hash (USER_FIELD.knownDevice); read once
   * to adopt them, then deleted.
   */
  readonly knownDevices: string;
  /**
   * Prefix of the user's agents: `<prefix><short hash>` is a string holding one user agent, shared
   * by the user's sessions from that browser and living as long as the longest of them.
   */
  readonly agentPrefix: string;
  /** Prefix of the DPoP proofs the user's bound sessions accepted (usedProof). */
  private readonly proofPrefix: string;

  constructor(slot: string) {
    this.user = `${slot}:u`;
    this.index = `${slot}:idx`;
    this.createdIndex = `${slot}:cidx`;
    this.impersonations = `${slot}:imp`;
    this.sessionPrefix = `${slot}:s:`;
    this.familyPrefix = `${slot}:r:`;
    this.knownDevices = `${slot}:dv`;
    this.agentPrefix = `${slot}:a:`;
    this.proofPrefix = `${slot}:j:`;
  }

  /** The session hash of one of the user's sessions. */
  session(localId: string): string {
    return this.sessionPrefix + localId;
  }

  /**
   * String: the public key (a JWK, as JSON) of the browser a session is bound to (DBSC), beside the
   * session rather than in its hash, whose values stay short enough for a compact listpack. It
   * ends with the session.
   */
  deviceKey(localId: string): string {
    return this.session(localId) + DEVICE_KEY_SUFFIX;
  }

  /**
   * String: a DPoP proof a bound session accepted, by a digest of its jti (the client's text, of
   * any length and alphabet), kept for the proof window so the proof is accepted once (RFC 9449
   * §11.1); beside its session, in its slot.
   */
  usedProof(localId: string, jti: string): string {
    return `${this.proofPrefix}${localId}:${hash('sha256', jti, 'base64url').slice(0, 22)}`;
  }

  family(familyId: string): string {
    return this.familyPrefix + familyId;
  }

  spentRefreshes(familyId: string): string {
    return this.familyPrefix + familyId + SPENT_REFRESHES_SUFFIX;
  }
}

export class KeySpace {
  private readonly base: string;

  constructor(prefix: string) {
    this.base = `${prefix}:v1`;
  }

  /** String: user id -> routing tag. Single-key, so it needs no hash tag. */
  userTag(userId: string): string {
    return `${this.base}:uid:${userId}`;
  }

  /** String: lower-cased username -> user id (the service's accounts). */
  username(normalizedName: string): string {
    return `${this.base}:name:${normalizedName}`;
  }

  /** Sorted set: lower-cased username + NUL + user id, for the admin's paged user search. */
  directory(): string {
    return `${this.base}:users`;
  }

  /** Set: ids of users holding the admin role (to refuse removing the last one). */
  admins(): string {
    return `${this.base}:admins`;
  }

  /** Sorted set: banned user ids, scored by when the ban ends (ms; +inf for never). The ban itself is on the user hash. */
  bans(): string {
    return `${this.base}:{bans}:idx`;
  }

  /** Stream: the audit trail of admin acts and account-security changes, capped in length. */
  audit(): string {
    return `${this.base}:audit`;
  }

  /** Stream: sign-in events (logins, failed checks, logouts, registrations), capped apart from the trail. */
  signInAudit(): string {
    return `${this.base}:audit:signin`;
  }

  /** Stream: session lifecycle events for other services, capped in length. One key, so one Cluster node orders them all. */
  events(): string {
    return `${this.base}:events`;
  }

  forUser(tag: string): UserKeys {
    return new UserKeys(`${this.base}:{${tag}}`);
  }

  /** String: the spent marker of a signed-in page's form token (by its MAC), in that user's slot, until the token expires. */
  formToken(tag: string, tokenId: string): string {
    return `${this.base}:{${tag}}:f:${tokenId}`;
  }

  /**
   * String: what an Idempotency-Key of a signed-in user's request holds (in flight, or the answer
   * to replay), in that user's slot. `keyHash` is a digest of the client's key, so any key makes a
   * short, safe name.
   */
  idempotency(tag: string, keyHash: string): string {
    return `${this.base}:{${tag}}:i:${keyHash}`;
  }

  /**
   * Sorted set: the idempotency keys (their full names) a signed-in user holds, scored by when each
   * expires at the latest: what caps how many one user keeps. In that user's slot.
   */
  idempotencyIndex(tag: string): string {
    return `${this.base}:{${tag}}:i`;
  }

  /** Sorted set: the same index for an anonymous caller's keys, in its address's slot. */
  addressIdempotencyIndex(addressHash: string): string {
    return `${this.base}:{a:${addressHash}}:i`;
  }

  /**
   * String: the answer of an anonymous request (a registration) made with an Idempotency-Key, in a
   * slot of the caller's address (`addressHash`, a digest of it, so no address is in a key name).
   */
  addressIdempotency(addressHash: string, keyHash: string): string {
    return `${this.base}:{a:${addressHash}}:i:${keyHash}`;
  }

  /** String: the key that signs the pages' form tokens, shared by every instance. */
  formSigningKey(): string {
    return `${this.base}:form-key`;
  }

  /**
   * Prefix of one throttle's counters (rate-limiter-flexible appends `:<subject>`). Each counter
   * is one expiring string, touched alone, so it needs no hash tag.
   */
  throttle(kind: string): string {
    return `${this.base}:rl:${kind}`;
  }

  session(tag: string, localId: string): string {
    return this.forUser(tag).session(localId);
  }
}
