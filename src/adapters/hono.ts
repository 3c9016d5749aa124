/**
 * `tessera-sessions/hono`: Tessera for Hono, on any runtime with a TCP Redis. authenticate()
 * puts the request's session and user on `c.var` (typed by TesseraEnv), the guards narrow them
 * to set for the handlers after them, problemDetails() is the app's onError, and authRoutes()
 * serves the routes the client SDK speaks. The framework-free core is re-exported, so an app
 * imports Tessera from here alone and needs no Koa.
 * @module tessera-sessions/hono
 */
import type { Context, ErrorHandler, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AuthRoutesOptions } from '../authRoutes/authRoutesCore';
import { fetchAuthAnswerer } from '../authRoutes/fetchAuthRoutes';
import { CorsPolicy, type CorsOptions } from '../http/cors';
import { Problems, type ProblemLogger } from '../http/problemAnswer';
import type { DpopOptions } from '../dpopOptions';
import type { TesseraError } from '../errors';
import { DEFAULT_EXPIRES_HEADER } from '../middleware/authenticate';
import { readPresentedToken } from '../middleware/bearerToken';
import { DpopVerifier, proofValues, type ProofRequest } from '../middleware/dpopVerifier';
import { assertHasRole, assertRoleName, signedInOf, type AuthFailure } from '../middleware/guardChecks';
import { isoTime } from '../middleware/isoTime';
import { checkPresentedToken, type TokenCheck } from '../middleware/tokenCheck';
import type { ActiveSession } from '../sessions/activeSession';
import type { SessionService } from '../sessions/sessionService';
import type { SessionUser } from '../sessions/types';

export * from '../core';

/** The variables authenticate() sets: `new Hono<TesseraEnv>()` types them on `c.var` for every route. */
export type TesseraEnv = {
  Variables: {
    /** The request's live session, or null. */
    session: ActiveSession | null;
    /** The user of that session, or null. */
    user: SessionUser | null;
    /** Why session is null: no token, one that is no live session, or a bound one whose DPoP proof was refused. */
    authFailure: AuthFailure | undefined;
    /** With authFailure 'proof': the answer the guards give (a DPoP challenge). */
    authError: TesseraError | undefined;
  };
};

/** What handlers behind requireAuth() or requireRole() see: the session and user are set. */
export type SignedInEnv = {
  Variables: {
    session: ActiveSession;
    user: SessionUser;
  };
};

/** The options of `authenticate()`. */
export interface AuthenticateOptions {
  /** Response header that tells the client when its session now expires (ISO 8601). Default "Session-Expires"; null for none. */
  expiresHeader?: string | null;
  /**
   * How DPoP proofs (RFC 9449) are checked: a verifier shared with authRoutes(), or its options.
   * Behind a proxy that forwards another host, set `publicOrigin`. Default: the default options.
   */
  dpop?: DpopVerifier | DpopOptions;
}

const NO_TOKEN: TokenCheck = { validation: null, failure: 'invalid' };

/**
 * Validates the token and slides its expiry (one Redis round trip): `Authorization: Bearer`, or
 * for a session bound to a key `Authorization: DPoP` with a proof by that key (RFC 9449). It never
 * refuses: public routes see a user when there is one; requireAuth() refuses.
 */
export function authenticate(sessions: SessionService, options: AuthenticateOptions = {}): MiddlewareHandler<TesseraEnv> {
  const expiresHeader = options.expiresHeader === undefined ? DEFAULT_EXPIRES_HEADER : options.expiresHeader;
  const dpop = options.dpop instanceof DpopVerifier ? options.dpop : new DpopVerifier(options.dpop);
  return async function authenticate(c, next) {
    const presented = readPresentedToken(c.req.header('Authorization'));
    const check = presented === null ? null : presented === '' ? NO_TOKEN : await checkPresentedToken(sessions, dpop, presented, proofRequestOf, c);
    const validation = check?.validation ?? null;
    c.set('session', validation?.session ?? null);
    c.set('user', validation?.user ?? null);
    c.set('authFailure', check === null ? 'missing' : check.validation ? undefined : check.failure);
    c.set('authError', check && !check.validation && check.failure === 'proof' ? check.error : undefined);
    if (check?.validation && check.nonce) c.header('DPoP-Nonce', check.nonce);
    if (validation && expiresHeader) c.header(expiresHeader, isoTime(validation.expiresAtMs));
    await next();
  };
}

/** The request as a DPoP proof names it: its URL as the runtime has it. */
function proofRequestOf(c: Context): ProofRequest {
  const url = new URL(c.req.url);
  return { method: c.req.method, uri: url.pathname + url.search, origin: url.origin, proofs: proofValues(c.req.header('DPoP')) };
}

const SET_UP = 'add app.use(authenticate(tessera))';

/** 401 with the RFC 6750 challenge when the request has no live session. */
export function requireAuth(): MiddlewareHandler<SignedInEnv> {
  return async function requireAuth(c, next) {
    signedInOf(outcomeOf(c), SET_UP, `${c.req.method} ${c.req.path}`);
    await next();
  };
}

/** 403 unless the user has the role; the role name is checked here, once. */
export function requireRole(role: string): MiddlewareHandler<SignedInEnv> {
  assertRoleName(role);
  return async function requireRole(c, next) {
    assertHasRole(signedInOf(outcomeOf(c), SET_UP, `${c.req.method} ${c.req.path}`).user, role);
    await next();
  };
}

/** The variables as authenticate() left them; all undefined when it never ran. */
function outcomeOf(c: Context): Partial<TesseraEnv['Variables']> {
  const variables = c.var as Partial<TesseraEnv['Variables']>;
  return { session: variables.session, user: variables.user, authFailure: variables.authFailure, authError: variables.authError };
}

/**
 * CORS for the whole app, as CORS_ORIGINS for the service: register it first. With it, leave the
 * auth routes' own `cors` unset.
 */
export function cors(options: CorsOptions): MiddlewareHandler {
  const policy = new CorsPolicy(options);
  return async function cors(c, next) {
    if (!policy.enabled) return next();
    const decision = policy.decide(c.req.method, c.req.header('Origin'), c.req.header('Access-Control-Request-Method'));
    if (decision.preflight) return new Response(null, { status: 204, headers: { ...decision.headers, Vary: 'Origin' } });
    // Headers set on c.res now are carried over to whatever answer comes, an error's included.
    for (const [name, value] of Object.entries(decision.headers)) c.res.headers.set(name, value);
    await next();
    c.header('Vary', 'Origin', { append: true });
  };
}

/** The options of `problemDetails()`. */
export interface ProblemDetailsOptions {
  /** Gets 5xx answers (warn) and unexpected errors (error); pino fits. Default: one line each on the console. */
  logger?: ProblemLogger;
}

/**
 * The app's error handler, `app.onError(problemDetails())`: every error as problem+json, a plain
 * Error logged and answered 500 without internals. Hono's own HTTPException keeps its answer.
 */
export function problemDetails(options: ProblemDetailsOptions = {}): ErrorHandler {
  // One for the app, so a flood of busy answers is logged as a count.
  const problems = new Problems(options);
  return function problemDetails(error, c) {
    if ('getResponse' in error && typeof error.getResponse === 'function') return error.getResponse();
    const problem = problems.answer(error, c.req.path);
    // Headers set earlier (Session-Expires) stay on the answer.
    return c.body(problem.body, problem.status as ContentfulStatusCode, problem.headers);
  };
}

/** The options of the Hono `authRoutes()`: those of every framework, and where to find the client's address. */
export interface HonoAuthRoutesOptions extends AuthRoutesOptions {
  /** The client's address, recorded with the session (with @hono/node-server: `getConnInfo(c).remote.address`). Default: none. */
  ipOf?: (c: Context) => string | null;
  /** Where failures are logged; pino fits. Default: one line each on the console. */
  logger?: ProblemLogger;
}

/** The routes the client SDK speaks (login, refresh, logout, logout-all, session) under "/auth"; other requests pass on. */
export function authRoutes(sessions: SessionService, options: HonoAuthRoutesOptions): MiddlewareHandler {
  const answer = fetchAuthAnswerer(sessions, options);
  return async function authRoutes(c, next) {
    const response = await answer(c.req.raw, options.ipOf?.(c) ?? null);
    if (response) return response;
    await next();
  };
}
