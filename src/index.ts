/** Tessera's public surface. */
export { createTessera, SessionService, AttributeRejectedError, type Validation } from './sessions/sessionService';
export { ActiveSession } from './sessions/activeSession';
export type { CreatedSession, DeviceInfo, DeviceInput, SessionMetadata, SessionRecord, SessionUser } from './sessions/types';
export { DEFAULT_TESSERA_OPTIONS, resolveTesseraOptions, type TesseraOptions, type ResolvedTesseraOptions } from './options';
export { authenticate, DEFAULT_EXPIRES_HEADER, type AuthenticateOptions } from './middleware/authenticate';
export { requireAuth, requireRole } from './middleware/requireAuth';
export type { AuthFailure } from './middleware/state';
export { createRedisClient, FAIL_FAST_REDIS_OPTIONS, type RedisTarget } from './store/redisClient';
export * from './errors';
