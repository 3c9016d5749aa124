/** Tessera's public surface. */
export { createTessera, SessionService, type Validation } from './sessions/sessionService';
export { ActiveSession } from './sessions/activeSession';
export type { SessionObserver, TokenCheckOutcome, RevocationKind } from './sessions/observer';
export type { LifecycleEventType, SessionRevokedReason } from './sessions/lifecycleEvents';
export type { CreatedSession, DeviceInfo, DeviceInput, SessionMetadata, SessionRecord, SessionUser } from './sessions/types';
export { DEFAULT_TESSERA_OPTIONS, resolveTesseraOptions, type TesseraOptions, type ResolvedTesseraOptions } from './options';
export { authenticate, DEFAULT_EXPIRES_HEADER, type AuthenticateOptions } from './middleware/authenticate';
export { requireAuth, requireRole } from './middleware/requireAuth';
export { SessionCookie, DEFAULT_SESSION_COOKIE_OPTIONS, type SessionCookieOptions } from './middleware/sessionCookie';
export { csrfProtection, csrfTokenOf, CSRF_HEADER, CSRF_FIELD, type CsrfOptions } from './middleware/csrf';
export type { AuthFailure } from './middleware/state';
export { createRedisClient, FAIL_FAST_REDIS_OPTIONS, type RedisTarget } from './store/redisClient';
export * from './errors';
