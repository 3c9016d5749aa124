/** The shapes the session service takes and returns; plain values, no Koa. */

import type { SessionRecord, SessionUser } from '../store/records';

// The records the store returns are the session layer's records too.
export type { DeviceInfo, DeviceInput, SessionMetadata, SessionRecord, SessionUser } from '../store/records';

/** The answer of `create()`. */
export interface CreatedSession {
  /** The bearer token. Give it to the client once; Tessera keeps only its hash. */
  token: string;
  session: SessionRecord;
  /** Ids of the user's sessions this login ended (device or count limit). */
  endedSessionIds: string[];
  /** The refresh token of a remembered login (given once; Tessera keeps only its hash), else null. */
  refresh: RefreshCredential | null;
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
  /** Sessions to skip, least recently used first. Default 0. */
  offset?: number;
  /** Sessions on the page, 1 to 100. Default 100. */
  limit?: number;
}

/** A page of a user's live sessions, least recently used first. */
export interface SessionPage {
  sessions: SessionRecord[];
  /** Live sessions the user has in all. */
  total: number;
  /** Offset of the next page, or null when this is the last. */
  nextOffset: number | null;
}
