/**
 * The session and user records the store keeps and returns, as plain values. The session layer
 * hands them on unchanged (sessions/types re-exports them), so the store needs nothing from above.
 */

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
