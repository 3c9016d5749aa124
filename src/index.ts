/**
 * Tessera's public surface: the framework-free core (the session service, the Redis client, the
 * typed errors, the auth routes' fetch handler, CORS), and Koa middleware over it. See docs/library.md.
 * @module tessera-sessions
 */
export * from './core';
export { authenticate, DEFAULT_EXPIRES_HEADER, type AuthenticateOptions } from './middleware/authenticate';
export { notImpersonating, requireAuth, requireRole, type AuthenticatedState } from './middleware/requireAuth';
export { requireRecentAuth } from './middleware/requireRecentAuth';
export { authRoutes } from './authRoutes/koaAuthRoutes';
export { cors } from './middleware/cors';
export { problemDetails, type ProblemDetailsOptions } from './http/problemDetails';
export { forwardedRequest, offerDpopNonce, ownRequest } from './middleware/dpop';
export { SessionCookie, DEFAULT_SESSION_COOKIE_OPTIONS, type SessionCookieOptions } from './middleware/sessionCookie';
export { csrfProtection, csrfTokenOf, CSRF_HEADER, CSRF_FIELD, type CsrfOptions } from './middleware/csrf';
