/**
 * The auth routes the client SDK (`tessera-sessions/client`) speaks, framework-free: login,
 * refresh, logout, logout-all and session, with the paths, JSON shapes and statuses of the
 * service's /auth/* routes. The app supplies how to check a password and how to describe a user;
 * the Koa middleware, the fetch handler and the Express and Hono adapters are thin wrappers.
 */
import {
  InvalidCredentialsError,
  InvalidRefreshTokenError,
  InvalidTokenError,
  MethodNotAllowedError,
  TesseraArgumentError,
  UnauthenticatedError,
} from '../errors';
import { CorsPolicy, type CorsDecision, type CorsOptions } from '../http/cors';
import type { DpopOptions } from '../dpopOptions';
import { readPresentedToken } from '../middleware/bearerToken';
import { DEFAULT_EXPIRES_HEADER } from '../middleware/authenticate';
import { DpopVerifier, proofValues, type ProofRequest } from '../middleware/dpopVerifier';
import { isoTime } from '../middleware/isoTime';
import { checkPresentedToken } from '../middleware/tokenCheck';
import type { SessionService, Validation } from '../sessions/sessionService';
import type { SessionUser } from '../sessions/types';
import { loginBody, readJsonBody, refreshBody, type PresentedBody } from './authRequestBody';
import { issuedSessionBody } from './issuedSession';

/** What the client sees of a user, beside the id and roles Tessera holds. */
export interface UserDescription {
  /** The name to show. */
  username: string | null;
  /** Anything else the app's pages need (a display name, an avatar). `id` and `roles` are Tessera's and win. */
  [field: string]: unknown;
}

/** What the app tells the auth routes: how to check a password and describe a user, and where they live. */
export interface AuthRoutesOptions {
  /**
   * Checks a username and password the app's own way (its user table, its hash); answers the
   * user's id, or null when they do not match. Count failures here (per username and per
   * address) and refuse by throwing RateLimitedError: only the app knows its accounts.
   */
  checkPassword(username: string, password: string, request: { ip: string | null }): Promise<string | null> | string | null;
  /**
   * The user as login, refresh and session answer it: `{ id, roles }` from Tessera plus this
   * description. Null when the user no longer exists: login then fails, and a refresh or a
   * session check ends the session.
   */
  describeUser(user: SessionUser): Promise<UserDescription | null> | UserDescription | null;
  /** Where the routes live. Default "/auth", as the client SDK asks. */
  prefix?: string;
  /** Pages on other origins that may call (the service's CORS_ORIGINS). Default: none, no CORS headers. */
  cors?: CorsOptions | null;
  /** Largest request body. Bytes; default 16384. */
  bodyLimitBytes?: number;
  /**
   * How DPoP proofs (RFC 9449) are checked: a verifier shared with authenticate(), or its options.
   * A login or refresh with a proof binds its session to the proof's key. Default: the default
   * options (binding optional, `htu` on the request's own origin).
   */
  dpop?: DpopVerifier | DpopOptions;
}

/** Where the client SDK asks for the routes. */
export const DEFAULT_AUTH_ROUTES_PREFIX = '/auth';
/** The largest request body the routes read. Bytes. */
export const DEFAULT_AUTH_BODY_LIMIT_BYTES = 16_384;

/** One request as any framework has it. */
export interface AuthRequest {
  method: string;
  /** The request's path, prefix included ("/auth/login"), as the app routes it. */
  path: string;
  /** Path and query as the client sent them (Express: `req.originalUrl`): a DPoP proof names them. */
  uri: string;
  /** The origin the client called (scheme and host; behind a trusted proxy, the forwarded one). */
  origin: string;
  /** A request header by name (any case); undefined when absent. */
  header(name: string): string | undefined;
  ip: string | null;
  body: PresentedBody;
}

/** One answer for the framework to send: a body is sent as JSON. */
export interface AuthAnswer {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

type Route = (request: AuthRequest) => Promise<AuthAnswer>;

function proofRequestOf(request: AuthRequest): ProofRequest {
  return { method: request.method, uri: request.uri, origin: request.origin, proofs: proofValues(request.header('DPoP')) };
}

const NO_STORE = { 'Cache-Control': 'no-store' };

/** The routes, for a framework's adapter: owns() picks the requests, corsOf() and answer() serve them. */
export class AuthRoutes {
  /** The CORS policy of the `cors` option (enabled when it lists an origin). */
  readonly cors: CorsPolicy;
  private readonly prefix: string;
  private readonly bodyLimitBytes: number;
  private readonly dpop: DpopVerifier;
  private readonly routes: ReadonlyMap<string, { method: string; route: Route }>;

  /** Throws TesseraArgumentError for a missing function or a bad prefix, limit or origin. */
  constructor(
    private readonly sessions: SessionService,
    private readonly options: AuthRoutesOptions,
  ) {
    if (typeof options?.checkPassword !== 'function' || typeof options.describeUser !== 'function') {
      throw new TesseraArgumentError(
        'Auth routes need checkPassword(username, password) and describeUser(user): how your app checks a password and describes a user.',
      );
    }
    this.prefix = options.prefix ?? DEFAULT_AUTH_ROUTES_PREFIX;
    if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(this.prefix)) {
      throw new TesseraArgumentError(`The auth routes' prefix must be a path such as "/auth", without a trailing slash; got ${JSON.stringify(this.prefix)}.`);
    }
    this.bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_AUTH_BODY_LIMIT_BYTES;
    if (!Number.isInteger(this.bodyLimitBytes) || this.bodyLimitBytes < 256) {
      throw new TesseraArgumentError('bodyLimitBytes must be a whole number of bytes, at least 256.');
    }
    this.cors = new CorsPolicy(options.cors ?? { origins: [] });
    this.dpop = options.dpop instanceof DpopVerifier ? options.dpop : new DpopVerifier(options.dpop);
    this.routes = new Map([
      ['/login', { method: 'POST', route: (request) => this.login(request) }],
      ['/refresh', { method: 'POST', route: (request) => this.refresh(request) }],
      ['/logout', { method: 'POST', route: (request) => this.logout(request) }],
      ['/logout-all', { method: 'POST', route: (request) => this.logoutAll(request) }],
      ['/session', { method: 'GET', route: (request) => this.session(request) }],
    ]);
  }

  /** Whether the path is one of the routes; any other request is the app's. */
  owns(path: string): boolean {
    return this.routeOf(path) !== undefined;
  }

  /** The CORS headers of a request to one of the routes, and whether it is a preflight to answer 204. */
  corsOf(request: Pick<AuthRequest, 'method' | 'header'>): CorsDecision {
    return this.cors.decide(request.method, request.header('Origin'), request.header('Access-Control-Request-Method'));
  }

  /** Answers a request to one of the routes (see owns()); failures throw Tessera's typed errors. */
  async answer(request: AuthRequest): Promise<AuthAnswer> {
    const entry = this.routeOf(request.path);
    if (!entry) throw new TesseraArgumentError(`${request.path} is not one of the auth routes.`);
    if (request.method.toUpperCase() !== entry.method) throw new MethodNotAllowedError(entry.method);
    return entry.route(request);
  }

  private routeOf(path: string): { method: string; route: Route } | undefined {
    return path.startsWith(this.prefix) ? this.routes.get(path.slice(this.prefix.length)) : undefined;
  }

  private async login(request: AuthRequest): Promise<AuthAnswer> {
    const { username, password, remember, device } = loginBody(await this.bodyOf(request));
    // Before the password check: a proof that fails costs no password hashing.
    const proof = await this.dpop.forIssuance(proofRequestOf(request), this.proofRequired);
    const userId = await this.options.checkPassword(username, password, { ip: request.ip });
    if (userId === null) throw new InvalidCredentialsError();
    const metadata = { device, ip: request.ip ?? undefined, userAgent: request.header('User-Agent') };
    const created = await this.sessions.create(userId, metadata, { remember, boundKey: proof?.jkt });
    // The roles (and a name) the answer carries are the ones every check will read; the new token's proof was the login's.
    const live = await this.sessions.validate(created.token, { anyBinding: true });
    const user = live && (await this.describe(live.user));
    if (!live || !user) {
      await this.sessions.revoke(created.session.id);
      throw new InvalidCredentialsError();
    }
    return {
      status: 200,
      headers: { ...NO_STORE, ...(await this.nonceHeader()) },
      body: issuedSessionBody(created.token, created.session, created.refresh, user),
    };
  }

  private async refresh(request: AuthRequest): Promise<AuthAnswer> {
    const { refreshToken } = refreshBody(await this.bodyOf(request));
    const proof = await this.dpop.forIssuance(proofRequestOf(request), this.proofRequired);
    // A login bound to a key is refreshed only with a proof by that key; a refusal leaves it alive.
    const metadata = { ip: request.ip ?? undefined, userAgent: request.header('User-Agent') };
    const refreshed = await this.sessions.refresh(refreshToken, metadata, proof?.jkt ?? null);
    if (!refreshed) throw new InvalidRefreshTokenError();
    const user = await this.describe(refreshed.user);
    if (!user) {
      await this.sessions.revoke(refreshed.session.id);
      throw new InvalidRefreshTokenError();
    }
    const headers = { ...NO_STORE, ...(await this.nonceHeader()) };
    return { status: 200, headers, body: issuedSessionBody(refreshed.token, refreshed.session, refreshed.refresh, user) };
  }

  private async logout(request: AuthRequest): Promise<AuthAnswer> {
    const { validation, headers } = await this.signedIn(request);
    await this.sessions.revoke(validation.session.id);
    return { status: 204, headers };
  }

  private async logoutAll(request: AuthRequest): Promise<AuthAnswer> {
    const { validation, headers } = await this.signedIn(request);
    await this.sessions.revokeAll(validation.user.id);
    return { status: 204, headers };
  }

  private async session(request: AuthRequest): Promise<AuthAnswer> {
    const { validation, headers } = await this.signedIn(request);
    const { session, user, expiresAtMs } = validation;
    const described = await this.describe(user);
    if (!described) {
      await this.sessions.revoke(session.id);
      throw new InvalidTokenError();
    }
    return { status: 200, headers: { ...headers, [DEFAULT_EXPIRES_HEADER]: isoTime(expiresAtMs) }, body: { session, user: described } };
  }

  /**
   * The request's live session, checked as authenticate() checks it (a bound token with its DPoP
   * proof), and the DPoP-Nonce to offer; the 401 requireAuth() would answer otherwise.
   */
  private async signedIn(request: AuthRequest): Promise<{ validation: Validation; headers: Record<string, string> }> {
    const presented = readPresentedToken(request.header('Authorization'));
    if (presented === null) throw new UnauthenticatedError();
    if (presented === '') throw new InvalidTokenError();
    const check = await checkPresentedToken(this.sessions, this.dpop, presented, proofRequestOf, request);
    if (check.validation) return { validation: check.validation, headers: check.nonce ? { 'DPoP-Nonce': check.nonce } : {} };
    throw check.failure === 'proof' ? check.error : new InvalidTokenError();
  }

  private get proofRequired(): boolean {
    return this.dpop.options.mode === 'required';
  }

  private async nonceHeader(): Promise<Record<string, string>> {
    const nonce = this.dpop.offeredNonce();
    return nonce ? { 'DPoP-Nonce': await nonce } : {};
  }

  private async describe(user: SessionUser): Promise<Record<string, unknown> | null> {
    const description = await this.options.describeUser(user);
    return description && { ...description, id: user.id, roles: user.roles };
  }

  private bodyOf(request: AuthRequest): Promise<unknown> {
    return readJsonBody(request.body, request.header('Content-Type'), this.bodyLimitBytes);
  }
}
