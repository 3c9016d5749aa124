/** The shapes the client SDK takes and returns. Plain data, the same in browsers and Node. */

/** What the SDK keeps between requests (and tabs): the bearer token and, for a remembered login, the refresh token. */
export interface StoredPair {
  token: string;
  /** ISO time the session ends if unused (slides with every request). */
  expiresAt: string;
  refreshToken: string | null;
  /** ISO time the refresh token ends if unused; null when the login is not remembered. */
  refreshExpiresAt: string | null;
  /** 'DPoP' when the session is bound to this client's key (sent as `Authorization: DPoP`); absent means 'Bearer'. */
  tokenType?: 'Bearer' | 'DPoP';
}

/** Where the pair lives. Methods may be synchronous or return promises. */
export interface TokenStorage {
  /** The stored pair, or null when signed out. */
  get(): StoredPair | null | Promise<StoredPair | null>;
  /** null forgets the pair (signed out). */
  set(pair: StoredPair | null): void | Promise<void>;
}

/** A session as `GET /auth/session` describes it; times are ISO-8601 strings. */
export interface SessionInfo {
  id: string;
  userId: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  absoluteExpiresAt: string;
  device: { type: string | null; name: string | null };
  ip: string | null;
  userAgent: string | null;
  rememberedUntil: string | null;
  /** The thumbprint of the key the session is bound to (DPoP), or null for a bearer session. */
  boundKey: string | null;
}

/** The session's user: id, username (null for users the service did not register) and roles. */
export interface UserInfo {
  id: string;
  username: string | null;
  roles: string[];
}

/** What `session()` and `login()` answer: the session and its user. */
export interface SignedIn {
  session: SessionInfo;
  user: UserInfo;
}

/** What `login()` sends to `POST /auth/login`. */
export interface LoginInput {
  username: string;
  password: string;
  /** Keep me signed in: the server also answers a refresh token. Default false. */
  remember?: boolean;
  device?: { type?: string; name?: string };
}

/** Why a session ended for good: it lapsed with no way to refresh, the refresh token was refused or reused, or the app logged out. */
export type SessionEndedReason = 'expired' | 'refresh-refused' | 'refresh-reused' | 'logged-out';

/** What `onExpiring` is told. */
export interface ExpiringNotice {
  /** When the session ends unless a request slides it, or a refresh renews it. */
  expiresAt: Date;
  /** Whether a refresh token will take over (no need to ask the user to save their work). */
  canRefresh: boolean;
}

/** A request refused for want of a recent sign-in (RFC 9470 `insufficient_user_authentication`). */
export interface ReauthenticationChallenge {
  /** How recent the sign-in must be, as the server said. Seconds; null when it did not say. */
  maxAgeSeconds: number | null;
}

/** The options of `createTesseraClient`. */
export interface TesseraClientOptions {
  /** Origin (and optional path) of the Tessera service, such as "https://auth.example.com". */
  baseUrl: string;
  /** The fetch to use. Default: globalThis.fetch. */
  fetch?: typeof fetch;
  /**
   * Where the tokens live: memoryStorage() (the default), webStorage(localStorage), any
   * TokenStorage, or 'cookie' to keep none in script (the HttpOnly cookies of COOKIE_TRANSPORT).
   */
  storage?: TokenStorage | 'cookie';
  /** Told once when the session ends and cannot be refreshed; requests waiting on it reject with SessionEndedError. */
  onSessionEnded?: (reason: SessionEndedReason) => void;
  /** Told `expiringLeadSeconds` before the session would lapse (to warn the user and save their work). */
  onExpiring?: (notice: ExpiringNotice) => void;
  /** How long before the lapse onExpiring fires. Seconds; default 60. */
  expiringLeadSeconds?: number;
  /**
   * Bind the session to a key of this client (DPoP, RFC 9449): a non-extractable P-256 key made by
   * Web Crypto (kept in IndexedDB, or in memory where there is none) signs a proof for every
   * request, login and refresh, so a token copied out of storage, a log or the network is useless
   * elsewhere. Not with storage 'cookie'. Default: true in browsers (Web Crypto and IndexedDB),
   * false elsewhere and with storage 'cookie'.
   */
  dpop?: boolean;
  /**
   * Asked when a request needs a more recent sign-in (an admin act, say): answer the user's
   * password to prove it again (POST /auth/reauthenticate) and have the request sent once more, or
   * null to get the 401 back. Without it, the 401 comes back as it is.
   */
  onReauthenticationRequired?: (challenge: ReauthenticationChallenge) => string | null | Promise<string | null>;
}
