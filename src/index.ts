/**
 * Tessera's public surface: the session service, its Koa middleware, the cookie transport, the
 * Redis client and the typed errors. See docs/library.md.
 * @module tessera-sessions
 */
export { createTessera, SessionService, type Validation } from './sessions/sessionService';
export { ActiveSession, type AttributeName, type AttributeValue, type SessionAttributes } from './sessions/activeSession';
export type { SessionObserver, TokenCheckOutcome, RevocationKind } from './sessions/observer';
export type { LifecycleEventType, SessionRevokedReason } from './sessions/lifecycleEvents';
export type {
  CreatedSession,
  CreateOptions,
  ValidateOptions,
  RefreshCredential,
  RefreshedSession,
  DeviceInfo,
  DeviceInput,
  PageRequest,
  SessionMetadata,
  SessionPage,
  SessionRecord,
  SessionUser,
} from './sessions/types';
export { DEFAULT_TESSERA_OPTIONS, resolveTesseraOptions, type TesseraOptions, type ResolvedTesseraOptions } from './options';
export { authenticate, DEFAULT_EXPIRES_HEADER, type AuthenticateOptions } from './middleware/authenticate';
export { requireAuth, requireRole, type AuthenticatedState } from './middleware/requireAuth';
export { readBearerToken } from './middleware/bearerToken';
export { DpopVerifier, forwardedRequest, ownRequest, type ProofRequest } from './middleware/dpop';
export { DEFAULT_DPOP_OPTIONS, resolveDpopOptions, type DpopMode, type DpopOptions, type ResolvedDpopOptions } from './dpopOptions';
export { DpopNonces } from './tokens/dpopNonce';
export type { DpopProof } from './tokens/dpopProof';
export {
  problemDetails,
  problemDocument,
  PROBLEM_CONTENT_TYPE,
  type ProblemDetailsOptions,
  type ProblemLogger,
} from './http/problemDetails';
export { SessionCookie, DEFAULT_SESSION_COOKIE_OPTIONS, type SessionCookieOptions } from './middleware/sessionCookie';
export { csrfProtection, csrfTokenOf, CSRF_HEADER, CSRF_FIELD, type CsrfOptions } from './middleware/csrf';
export type { AuthFailure } from './middleware/state';
export {
  createRedisClient,
  waitUntilReady,
  FAIL_FAST_REDIS_OPTIONS,
  type ConnectionLogger,
  type RedisClientOptions,
  type RedisNode,
  type RedisTarget,
} from './store/redisClient';
export type { RedisClientLike } from './store/clientCheck';
export * from './errors';
