/**
 * `tessera-sessions/express`: Tessera for Express 4 and 5. authenticate() puts the request's
 * session and user on `res.locals` (typed for every app by the augmentation below), the guards
 * refuse as the Koa ones do, problemDetails() answers every error as problem+json, and
 * authRoutes() serves the routes the client SDK speaks. The framework-free core is re-exported,
 * so an app imports Tessera from here alone and needs no Koa.
 * @module tessera-sessions/express
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { AuthRoutes, type AuthRequest, type AuthRoutesOptions } from '../authRoutes/authRoutesCore';
import { CorsPolicy, type CorsOptions } from '../http/cors';
import { Problems, type ProblemLogger } from '../http/problemAnswer';
import type { DpopOptions } from '../dpopOptions';
import type { TesseraError } from '../errors';
import { DEFAULT_EXPIRES_HEADER } from '../middleware/authenticate';
import { readPresentedToken } from '../middleware/bearerToken';
import { DpopVerifier, proofValues, type ProofRequest } from '../middleware/dpopVerifier';
import { assertHasRole, assertRoleName, signedInOf, type AuthFailure } from '../middleware/guardChecks';
import { isoTime } from '../middleware/isoTime';
import { checkPresentedToken } from '../middleware/tokenCheck';
import type { ActiveSession } from '../sessions/activeSession';
import type { SessionService } from '../sessions/sessionService';
import type { SessionUser } from '../sessions/types';

export * from '../core';

declare global {
  // Express types res.locals by this global namespace; merging into it is how a middleware adds to it.
  namespace Express {
    interface Locals {
      /** The request's live session, or null; set by authenticate(). */
      session?: ActiveSession | null;
      /** The user of that session, or null. */
      user?: SessionUser | null;
      /** Why session is null: no token, one that is no live session, or a bound one whose DPoP proof was refused. */
      authFailure?: AuthFailure | undefined;
      /** With authFailure 'proof': the answer the guards give (a DPoP challenge). */
      authError?: TesseraError | undefined;
    }
  }
}

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

/**
 * Validates the token and slides its expiry (one Redis round trip): `Authorization: Bearer`, or
 * for a session bound to a key `Authorization: DPoP` with a proof by that key (RFC 9449). It never
 * refuses: public routes see a user when there is one; requireAuth() refuses.
 */
export function authenticate(sessions: SessionService, options: AuthenticateOptions = {}): RequestHandler {
  const expiresHeader = options.expiresHeader === undefined ? DEFAULT_EXPIRES_HEADER : options.expiresHeader;
  const dpop = options.dpop instanceof DpopVerifier ? options.dpop : new DpopVerifier(options.dpop);
  return function authenticate(req, res, next) {
    const presented = readPresentedToken(req.get('Authorization'));
    res.locals.session = null;
    res.locals.user = null;
    res.locals.authFailure = undefined;
    res.locals.authError = undefined;
    if (presented === null) {
      res.locals.authFailure = 'missing';
      return next();
    }
    if (presented === '') {
      res.locals.authFailure = 'invalid';
      return next();
    }
    // Express 4 does not pass a rejected promise on: hand the error to next() here.
    checkPresentedToken(sessions, dpop, presented, proofRequestOf, req).then((check) => {
      const { validation } = check;
      if (validation) {
        res.locals.session = validation.session;
        res.locals.user = validation.user;
        if (check.nonce) res.set('DPoP-Nonce', check.nonce);
        if (expiresHeader) res.set(expiresHeader, isoTime(validation.expiresAtMs));
      } else {
        res.locals.authFailure = check.failure;
        if (check.failure === 'proof') res.locals.authError = check.error;
      }
      next();
    }, next);
  };
}

/** The request as a DPoP proof names it: the URL as the client sent it, on the origin it called. */
function proofRequestOf(req: Request): ProofRequest {
  return { method: req.method, uri: req.originalUrl, origin: originOf(req), proofs: proofValues(req.get('DPoP')) };
}

/** Scheme (X-Forwarded-Proto under Express's `trust proxy`) and the Host the client sent. */
function originOf(req: Request): string {
  return `${req.protocol}://${req.get('Host') ?? ''}`;
}

/** The live session and user of a request behind requireAuth(), typed as set; throws the 401 otherwise. */
export function signedIn(res: Response): { session: ActiveSession; user: SessionUser } {
  return signedInOf(res.locals, 'add app.use(authenticate(tessera))', 'a route using signedIn(res)');
}

/** 401 with the RFC 6750 challenge when the request has no live session. */
export function requireAuth(): RequestHandler {
  return function requireAuth(req, res, next) {
    try {
      signedInOf(res.locals, 'add app.use(authenticate(tessera))', `${req.method} ${req.path}`);
    } catch (error) {
      return next(error);
    }
    next();
  };
}

/** 403 unless the user has the role; the role name is checked here, once. */
export function requireRole(role: string): RequestHandler {
  assertRoleName(role);
  return function requireRole(req, res, next) {
    try {
      assertHasRole(signedInOf(res.locals, 'add app.use(authenticate(tessera))', `${req.method} ${req.path}`).user, role);
    } catch (error) {
      return next(error);
    }
    next();
  };
}

/**
 * CORS for the whole app, as CORS_ORIGINS for the service: register it first. With it, leave the
 * auth routes' own `cors` unset.
 */
export function cors(options: CorsOptions): RequestHandler {
  const policy = new CorsPolicy(options);
  return function cors(req, res, next) {
    if (!policy.enabled) return next();
    res.vary('Origin');
    const decision = policy.decide(req.method, req.get('Origin'), req.get('Access-Control-Request-Method'));
    res.set(decision.headers);
    if (decision.preflight) {
      res.status(204).end();
      return;
    }
    next();
  };
}

/** The options of `problemDetails()`. */
export interface ProblemDetailsOptions {
  /** Gets 5xx answers (warn) and unexpected errors (error); pino fits. Default: one line each on the console. */
  logger?: ProblemLogger;
  /** The body limit to name in a 413 when the body parser's error does not say. Bytes. */
  bodyLimitBytes?: number;
}

/** The error handler: every error as problem+json, a plain Error logged and answered 500 without internals. Register it last. */
export function problemDetails(options: ProblemDetailsOptions = {}): ErrorRequestHandler {
  // One for the app, so a flood of busy answers is logged as a count.
  const problems = new Problems(options);
  return function problemDetails(error, req, res, next) {
    // Express's own handler must close a response already under way.
    if (res.headersSent) return next(error);
    const problem = problems.answer(error, req.path);
    res.status(problem.status).set(problem.headers).send(problem.body);
  };
}

/**
 * The routes the client SDK speaks (login, refresh, logout, logout-all, session) under "/auth".
 * Register it before problemDetails(), which answers its failures. A JSON body parser before it
 * is used when there is one.
 */
export function authRoutes(sessions: SessionService, options: AuthRoutesOptions): RequestHandler {
  const routes = new AuthRoutes(sessions, options);
  return function authRoutes(req, res, next) {
    if (!routes.owns(req.path)) return next();
    const request = authRequestOf(req);
    if (routes.cors.enabled) res.vary('Origin');
    const cors = routes.corsOf(request);
    res.set(cors.headers);
    if (cors.preflight) {
      res.status(204).end();
      return;
    }
    routes.answer(request).then((answer) => {
      res.status(answer.status).set(answer.headers);
      if (answer.body === undefined) res.end();
      else res.json(answer.body);
    }, next);
  };
}

function authRequestOf(req: Request): AuthRequest {
  // Express 5 leaves req.body undefined when no body parser ran (Express 4: when none matched).
  const parsed: unknown = req.body;
  return {
    method: req.method,
    path: req.path,
    uri: req.originalUrl,
    origin: originOf(req),
    header: (name) => req.get(name),
    ip: req.ip ?? null,
    body: parsed === undefined ? { stream: req } : { parsed },
  };
}
