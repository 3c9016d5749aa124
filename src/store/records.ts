/**
 * The session and user records the store keeps and returns, as plain values. The session layer
 * hands them on unchanged (sessions/types re-exports them), so the store needs nothing from above.
 */

/** The device a login names, as the app passes it to `create()`. */
export interface DeviceInput {
  /** A short kind of device such as "ios", "android" or "web"; lower-cased. */
  type?: string;
  /** A human name such as "Anna's iPhone". */
  name?: string;
}

/** What `create()` records about the client: its device, ip address and user agent. */
export interface SessionMetadata {
  device?: DeviceInput;
  ip?: string;
  userAgent?: string;
}

/** The device a session was started on, as stored (null when not given). */
export interface DeviceInfo {
  type: string | null;
  name: string | null;
}

/** A live session, as listed and validated: plain values, no token. */
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
  /**
   * The RFC 7638 thumbprint of the key the session is bound to (DPoP, RFC 9449): its token is
   * accepted only with a fresh proof by that key. Null for a bearer session.
   */
  boundKey: string | null;
  /**
   * A session bound to a browser's key (DBSC): when the window its cookie is accepted in ends,
   * unless the browser proves the key again before. Null for a session no browser key was
   * registered for.
   */
  deviceBoundUntil: Date | null;
  /**
   * When the password was last proven on this session: at login, or by reauthentication. Sliding
   * never moves it and a refresh keeps it. Null for a session started before Tessera kept it.
   */
  authenticatedAt: Date | null;
  /** An impersonation session: the admin acting as the user (RFC 8693 `act`); null for the user's own. */
  actor: SessionActor | null;
}

/** Who acts through an impersonation session. */
export interface SessionActor {
  id: string;
  username: string | null;
}

/** The session's user as the token check sees it: id, roles and, for the service's accounts, name. */
export interface SessionUser {
  id: string;
  roles: string[];
  /** The account's username, when the user hash carries one (the service's accounts). */
  name: string | null;
}
