/** The shapes the session service takes and returns; plain values, no Koa. */

import type { SessionActor, SessionRecord, SessionUser } from '../store/records';
import type { DpopProof } from '../tokens/dpopProof';

// The records the store returns are the session layer's records too.
export type { DeviceInfo, DeviceInput, SessionActor, SessionMetadata, SessionRecord, SessionUser } from '../store/records';

/** The answer of `create()`. */
export interface CreatedSession {
  /** The bearer token. Give it to the client once; Tessera keeps only its hash. */
  token: string;
  session: SessionRecord;
  /** Ids of the user's sessions this login ended (device or count limit). */
  endedSessionIds: string[];
  /** The refresh token of a remembered login (given once; Tessera keeps only its hash), else null. */
  refresh: RefreshCredential | null;
  /** No login of the user came from this device (type, name and user agent) before; false when knownDevicesPerUser is 0. */
  newDevice: boolean;
}

/** A refresh token, given once, and when it ends if unused. */
export interface RefreshCredential {
  token: string;
  /** When it ends if unused; each refresh slides it, up to the family's absolute end. */
  expiresAt: Date;
}

/** How `create()` starts the session. */
export interface CreateOptions {
  /** Start a refresh family with the session ("keep me signed in"). Default false. */
  remember?: boolean;
  /**
   * Bind the session (and its refresh family) to a DPoP key (RFC 9449): the RFC 7638 thumbprint
   * of the key whose proof came with the login. Its token is then accepted only with a fresh
   * proof by that key, and refreshed only by one. Default: a bearer session.
   */
  boundKey?: string;
  /**
   * An impersonation session: the admin who acts as the user. It is never remembered, gives no
   * new-device signal, and ends with `endImpersonationsBy(actor.id)`. Default: the user's own session.
   */
  actor?: SessionActor;
  /** The session's absolute lifetime, when shorter than the one its kind gets. Seconds. */
  maxLifetimeSeconds?: number;
}

/** How `validate()` is to take the token. */
export interface ValidateOptions {
  /**
   * The request's DPoP proof (RFC 9449), already checked by a DpopVerifier: the session must be
   * bound to its key, and its jti not seen before (both checked in the same round trip).
   * Absent: the token came as Bearer, and a session bound to a key is refused.
   */
  proof?: DpopProof | null;
  /** Take a session bound or not, without a proof: for introspection, whose caller checks the proof against `boundKey`. Default false. */
  anyBinding?: boolean;
}

/** The answer of a refresh: a new session and a new refresh token; the ones before are spent. */
export interface RefreshedSession {
  token: string;
  session: SessionRecord;
  refresh: RefreshCredential;
  user: SessionUser;
  /** True when this is the first answer given again, to a retry within the reuse grace window (once per spent token). */
  replayed: boolean;
}

/** Which page of a user's sessions to list. */
export interface PageRequest {
  /**
   * The `nextCursor` of the page before; none for the first page. The list's order (creation time,
   * then id) never moves, so paging by cursor neither skips nor repeats a session.
   */
  cursor?: string | null;
  /** Sessions to skip instead, for numbered pages (which can shift when sessions end). Default 0. */
  offset?: number;
  /** Sessions on the page, 1 to 100. Default 100. */
  limit?: number;
}

/** A page of a user's live sessions, oldest first (by creation time, then id). */
export interface SessionPage {
  sessions: SessionRecord[];
  /** Live sessions the user has in all. */
  total: number;
  /** The cursor of the next page, or null when this one is the last. */
  nextCursor: string | null;
  /** Offset of the next page when this one was asked for by offset, or null when it is the last. */
  nextOffset: number | null;
}
