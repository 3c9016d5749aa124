/** The shapes the session service takes and returns; plain values, no Koa. */

export interface DeviceInput {
  /** A short kind of device such as "ios", "android" or "web"; lower-cased. */
  type?: string;
  /** A human name such as "Anna's iPhone". */
  name?: string;
}

export interface SessionMetadata {
  device?: DeviceInput;
  ip?: string;
  userAgent?: string;
}

export interface DeviceInfo {
  type: string | null;
  name: string | null;
}

export interface SessionRecord {
  /** Public id: safe to show and to pass around; it cannot be turned into a token. */
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** When the session ends if unused (slides forward on every authenticated request). */
  expiresAt: Date;
  /** When the session ends however active it is. */
  absoluteExpiresAt: Date;
  device: DeviceInfo;
  ip: string | null;
  userAgent: string | null;
  /** When the session's refresh family ends if unused (a remembered login); null when not remembered. */
  rememberedUntil: Date | null;
}

export interface SessionUser {
  id: string;
  roles: string[];
  /** The account's username, when the user hash carries one (the service's accounts). */
  name: string | null;
}

export interface CreatedSession {
  /** The bearer token. Give it to the client once; Tessera keeps only its hash. */
  token: string;
  session: SessionRecord;
  /** Ids of the user's sessions this login ended (device or count limit). */
  endedSessionIds: string[];
  /** The refresh token of a remembered login (given once; Tessera keeps only its hash), else null. */
  refresh: RefreshCredential | null;
}

export interface RefreshCredential {
  token: string;
  /** When it ends if unused; each refresh slides it, up to the family's absolute end. */
  expiresAt: Date;
}

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
}

/** Which page of a user's sessions to list. */
export interface PageRequest {
  /** Sessions to skip, least recently used first. Default 0. */
  offset?: number;
  /** Sessions on the page, 1 to 100. Default 100. */
  limit?: number;
}

export interface SessionPage {
  sessions: SessionRecord[];
  /** Live sessions the user has in all. */
  total: number;
  /** Offset of the next page, or null when this is the last. */
  nextOffset: number | null;
}
