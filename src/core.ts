/**
 * The framework-free surface: sessions, Redis, errors, DPoP proofs, the auth routes' fetch handler and CORS.
 * Nothing here names Koa, at run time or in its types, so the Express and Hono entry points
 * re-export it whole and an app without Koa type-checks against it.
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
  SessionActor,
  SessionRecord,
  SessionUser,
} from './sessions/types';
export { DEFAULT_TESSERA_OPTIONS, resolveTesseraOptions, type TesseraOptions, type ResolvedTesseraOptions } from './options';
export { lifetimeOf, type Lifetime, type LifetimeRules, type LoginKind, type ResolvedLifetimeRules, type SessionLifetime } from './lifetimeRules';
export { readBearerToken, readPresentedToken, type PresentedToken } from './middleware/bearerToken';
export { DpopVerifier, proofValues, type ProofRequest } from './middleware/dpopVerifier';
export { checkPresentedToken, type TokenCheck } from './middleware/tokenCheck';
export { DEFAULT_DPOP_OPTIONS, resolveDpopOptions, type DpopMode, type DpopOptions, type ResolvedDpopOptions } from './dpopOptions';
export { DpopNonces } from './tokens/dpopNonce';
export type { DpopProof } from './tokens/dpopProof';
export type { AuthFailure } from './middleware/guardChecks';
export { PROBLEM_CONTENT_TYPE, problemDocument, answerProblem, type ProblemAnswer, type ProblemLogger } from './http/problemAnswer';
export {
  CorsPolicy,
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
  type CorsDecision,
  type CorsOptions,
} from './http/cors';
export {
  AuthRoutes,
  DEFAULT_AUTH_ROUTES_PREFIX,
  DEFAULT_AUTH_BODY_LIMIT_BYTES,
  type AuthAnswer,
  type AuthRequest,
  type AuthRoutesOptions,
  type UserDescription,
} from './authRoutes/authRoutesCore';
export type { PresentedBody } from './authRoutes/authRequestBody';
export { authFetchHandler, type FetchAuthRoutesOptions } from './authRoutes/fetchAuthRoutes';
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
