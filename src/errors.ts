/**
 * Typed errors. Each carries its HTTP status and a stable problem type (RFC 9457); the HTTP error
 * handler turns them into application/problem+json. Messages never contain a token or a password.
 */

import { DPOP_ALGORITHMS } from './tokens/dpopProof';

const PROBLEM_BASE = 'urn:tessera:problem:';

/** Members a problem document carries besides type, title, status, detail and instance. */
export interface ProblemExtras {
  [member: string]: unknown;
}

/**
 * Base of every error Tessera answers: `status`, `type`, `title` and `headers` say how, so Koa's own
 * error handler, `problemDetails()` and other frameworks' handlers all answer it correctly.
 */
export class TesseraError extends Error {
  /** HTTP status code of the answer. */
  readonly status: number;
  /** Stable problem type URI that clients can switch on. */
  readonly type: string;
  /** Short, stable summary of the problem type. */
  readonly title: string;
  /** Whether `message` may be shown to the client as the problem's `detail`. */
  readonly expose: boolean;
  /** Extra members of the problem document (for example the invalid fields). */
  readonly extras: ProblemExtras;
  /** Response headers the answer must carry; Koa's own error handler honours them too. */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    title: string,
    detail: string,
    options: { cause?: unknown; expose?: boolean; extras?: ProblemExtras; headers?: Record<string, string> } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.type = PROBLEM_BASE + code;
    this.title = title;
    this.expose = options.expose ?? true;
    this.extras = options.extras ?? {};
    this.headers = options.headers ?? {};
  }
}

/** One invalid field of a request, by name (empty for the body as a whole), and what is wrong with it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** 400 `invalid-request`: fields are missing or invalid; `errors` in the answer names each. */
export class ValidationError extends TesseraError {
  constructor(readonly fields: FieldProblem[]) {
    super(400, 'invalid-request', 'Invalid request', describeFields(fields), { extras: { errors: fields } });
  }
}

function describeFields(fields: FieldProblem[]): string {
  return fields.map((f) => (f.field ? `${f.field}: ${f.message}` : f.message)).join('; ');
}

/** 400 `malformed-json`: the body is not valid JSON. */
export class MalformedJsonError extends TesseraError {
  constructor() {
    super(400, 'malformed-json', 'Malformed JSON', 'The request body is not valid JSON.');
  }
}

/** 415 `unsupported-media-type`: a body of a type the route does not accept. */
export class UnsupportedMediaTypeError extends TesseraError {
  constructor(accepted: string[] = ['application/json']) {
    super(415, 'unsupported-media-type', 'Unsupported media type', `Send the body as ${accepted.join(' or ')}.`);
  }
}

/** 413 `payload-too-large`: the body is over the size limit. */
export class PayloadTooLargeError extends TesseraError {
  constructor(limitBytes?: number) {
    super(
      413,
      'payload-too-large',
      'Payload too large',
      limitBytes === undefined ? 'The request body is too large.' : `The request body must be at most ${limitBytes} bytes.`,
    );
  }
}

const REALM = 'Bearer realm="tessera"';

/** 401 with `WWW-Authenticate: Bearer realm=...` (RFC 6750 §3): no credentials were sent. */
export class UnauthenticatedError extends TesseraError {
  constructor() {
    super(401, 'unauthenticated', 'Authentication required', 'Send a session token as "Authorization: Bearer <token>".', {
      headers: { 'WWW-Authenticate': REALM },
    });
  }
}

/** 401 with `error="invalid_token"` (RFC 6750 §3.1): unknown, malformed, expired or revoked token. */
export class InvalidTokenError extends TesseraError {
  constructor() {
    super(401, 'invalid-token', 'Invalid session token', 'The session token is malformed, expired or revoked.', {
      headers: { 'WWW-Authenticate': `${REALM}, error="invalid_token"` },
    });
  }
}

/**
 * The session an act was asked from has ended (revoke-all keeping it, a password change). A core
 * error: it carries no challenge; over HTTP, where a bearer token named that session, the error
 * handler answers it as InvalidTokenError.
 */
export class SessionEndedError extends TesseraError {
  constructor() {
    super(401, 'invalid-token', 'Invalid session token', 'The session this was asked from has ended.');
  }
}

/** 401 for POST /auth/refresh: the refresh token is unknown, malformed, expired, spent long ago or its login ended. */
export class InvalidRefreshTokenError extends TesseraError {
  constructor() {
    super(401, 'invalid-refresh-token', 'Invalid refresh token', 'The refresh token is malformed, expired or revoked; log in again.');
  }
}

/**
 * 401 for POST /auth/refresh: a refresh token already spent was presented again after the grace
 * window, so a copy of it is in other hands (RFC 9700 §4.14.2). The whole remembered login ended,
 * its live session too. `userId` and `sessionId` are for the audit trail, not the answer.
 */
export class RefreshTokenReusedError extends TesseraError {
  constructor(
    readonly userId: string,
    readonly sessionId: string | null,
  ) {
    super(401, 'refresh-token-reused', 'Refresh token reused', 'This refresh token was already used, so this login has ended everywhere; log in again.');
  }
}

/**
 * 401 for an act that needs a recent sign-in (RFC 9470 step-up): the session is live, but its
 * password was last proven more than `maxAgeSeconds` ago. POST /auth/reauthenticate proves it
 * again; the challenge names the age the act accepts.
 */
export class ReauthenticationRequiredError extends TesseraError {
  constructor(readonly maxAgeSeconds: number) {
    super(
      401,
      'reauthentication-required',
      'Recent sign-in required',
      `This needs a sign-in no older than ${maxAgeSeconds} seconds: prove your password again (POST /auth/reauthenticate).`,
      {
        extras: { maxAge: maxAgeSeconds },
        headers: {
          'WWW-Authenticate': `${REALM}, error="insufficient_user_authentication", error_description="A more recent sign-in is required", max_age=${maxAgeSeconds}`,
        },
      },
    );
  }
}

/** 401 `invalid-credentials`: wrong username or password (one answer for both). */
export class InvalidCredentialsError extends TesseraError {
  constructor(detail = 'The username or password is wrong.') {
    super(401, 'invalid-credentials', 'Invalid credentials', detail);
  }
}

/** 403 `forbidden`: the session's user lacks a role the route needs. */
/**
 * 403 for an impersonation session: the act is the user's own (their password, ending their
 * sessions) or an admin's, and an admin acting as the user may do neither.
 */
export class ImpersonationForbiddenError extends TesseraError {
  constructor() {
    super(403, 'impersonation-forbidden', 'Not while impersonating', 'An impersonation session cannot change the password, end sessions or use admin routes.');
  }
}

/** 403 `forbidden`: signed in, but without the role or right the act needs. */
export class ForbiddenError extends TesseraError {
  constructor(detail = 'You may not do this.') {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

/**
 * 403: an unsafe request authenticated by the session cookie (or a page form) failed the CSRF
 * defence: wrong origin, or a missing or wrong synchronizer token. The session is left as it was.
 */
export class CsrfRejectedError extends TesseraError {
  constructor(detail: string) {
    super(403, 'csrf-rejected', 'Cross-site request refused', detail);
  }
}

/**
 * An OAuth 2.0 error (RFC 6749 §5.2). The error handler answers it as `{"error": "<code>"}`
 * rather than problem+json, the shape OAuth clients in every language read.
 */
export class OAuthError extends TesseraError {
  constructor(
    status: number,
    /** The RFC 6749 error code, such as `invalid_client`. */
    readonly oauthError: string,
    detail: string,
    headers: Record<string, string> = {},
  ) {
    super(status, oauthError.replaceAll('_', '-'), 'OAuth error', detail, { headers });
  }
}

const INTROSPECTION_REALM = 'realm="tessera-introspection"';

/**
 * 401 `invalid_client` for POST /auth/introspect: the caller did not prove itself as the resource
 * server (nor is it an admin session). The challenge names the scheme it tried (RFC 6749 §5.2):
 * Basic for client_secret_basic, client_secret_post or nothing at all; Bearer for a bearer credential.
 */
export class InvalidClientError extends OAuthError {
  constructor(scheme: 'Basic' | 'Bearer') {
    super(401, 'invalid_client', 'The introspection client could not be authenticated.', {
      'WWW-Authenticate': scheme === 'Bearer' ? `Bearer ${INTROSPECTION_REALM}, error="invalid_token"` : `Basic ${INTROSPECTION_REALM}, charset="UTF-8"`,
    });
  }
}

/** 400 `invalid_request`: more than one client authentication method in one request (RFC 6749 §2.3). */
export class InvalidOAuthRequestError extends OAuthError {
  constructor(detail: string) {
    super(400, 'invalid_request', detail);
  }
}

/** The DPoP challenge (RFC 9449 §7.1): the scheme, the error and the algorithms a proof may use. */
function dpopChallenge(error: string): string {
  return `DPoP error="${error}", algs="${DPOP_ALGORITHMS.join(' ')}"`;
}

/**
 * A live session bound to a DPoP key refused a token check: the token came without a proof by its
 * key, with another key's, with a proof used before, or with a proof though the session is bound to
 * none. A core error (SessionService.validate): it carries no challenge; the middleware answers it
 * as InvalidDpopProofError. The session is left as it was.
 */
export class ProofRefusedError extends TesseraError {
  /** `reason` says why, as the problem's detail. */
  constructor(readonly reason: string) {
    super(401, 'invalid-dpop-proof', 'Invalid DPoP proof', `The DPoP proof was refused: ${reason}.`);
  }
}

/**
 * 401 for a request whose session is bound to a key (RFC 9449): the proof is missing, malformed,
 * from another key, for another request, too old or replayed, or the bound token came as Bearer.
 * The session is left as it was: a thief's failed tries must not log its owner out.
 */
export class InvalidDpopProofError extends TesseraError {
  /** `detail` says which check failed, as the problem's detail. */
  constructor(detail: string) {
    super(401, 'invalid-dpop-proof', 'Invalid DPoP proof', `The DPoP proof was refused: ${detail}.`, {
      headers: { 'WWW-Authenticate': dpopChallenge('invalid_dpop_proof') },
    });
  }
}

/** 401 on a bound request: its proof must carry the server nonce sent in `DPoP-Nonce` (RFC 9449 §9). */
export class UseDpopNonceError extends TesseraError {
  constructor(nonce: string) {
    super(401, 'use-dpop-nonce', 'DPoP nonce required', 'Sign the proof again with the nonce in the DPoP-Nonce header.', {
      headers: { 'WWW-Authenticate': dpopChallenge('use_dpop_nonce'), 'DPoP-Nonce': nonce },
    });
  }
}

/**
 * 400 at login and refresh, in the token endpoint's OAuth shape (RFC 9449 §5, §8): `invalid_dpop_proof`
 * for a proof that fails (or is missing where one is needed), `use_dpop_nonce` with the nonce to sign.
 * A refused refresh leaves its login alive.
 */
export class DpopIssuanceError extends OAuthError {
  constructor(error: 'invalid_dpop_proof' | 'use_dpop_nonce', detail: string, nonce: string | null = null) {
    super(400, error, detail, nonce === null ? {} : { 'DPoP-Nonce': nonce });
  }
}

/**
 * 403 at a device-bound session's refresh endpoint (DBSC): sign this challenge with the session's
 * key and send the request again. Never at the start endpoint: only a sign-in's answer carries a
 * start challenge. `Secure-Session-Challenge` carries it, with the session
 * it is for, as the draft's structured header: `"<challenge>";id="<session id>"`.
 */
export class DeviceProofRequiredError extends TesseraError {
  constructor(challenge: string, sessionId: string) {
    super(403, 'device-proof-required', 'Device proof required', 'Sign the challenge in Secure-Session-Challenge with the session’s key.', {
      headers: { 'Secure-Session-Challenge': `"${challenge}";id="${sessionId}"`, 'Cache-Control': 'no-store' },
    });
  }
}

/**
 * 400 at a device-bound session's start or refresh endpoint (DBSC): the `Secure-Session-Response`
 * proof is missing (at start), malformed, signed by another key, or (at start) answers no live start
 * challenge issued for this session.
 * Nothing changed; the session is still its owner's.
 */
export class InvalidDeviceProofError extends TesseraError {
  constructor(detail: string) {
    super(400, 'invalid-device-proof', 'Invalid device proof', `The Secure-Session-Response proof was refused: ${detail}.`, {
      headers: { 'Cache-Control': 'no-store' },
    });
  }
}

/** 401 at the refresh endpoint (DBSC): the session named is gone or bound to no browser key; the browser drops it, and the user signs in again. */
export class DeviceSessionEndedError extends TesseraError {
  constructor() {
    super(401, 'device-session-ended', 'Device-bound session ended', 'This session has ended or is bound to no browser key; sign in again.', {
      headers: { 'Cache-Control': 'no-store' },
    });
  }
}

/** 403 `signup-disabled`: the service takes no registrations. */
export class SignupDisabledError extends TesseraError {
  constructor() {
    super(403, 'signup-disabled', 'Sign-up disabled', 'This service does not accept new registrations.');
  }
}

/** 403 for a banned user's login; `until` is when the ban lifts itself (null: never). */
export class UserBannedError extends TesseraError {
  constructor(readonly until: Date | null) {
    super(403, 'banned', 'Account banned', until ? `This account is banned until ${until.toISOString()}.` : 'This account is banned.', {
      extras: { until: until ? until.toISOString() : null },
    });
  }
}

/** 404 `not-found`: no such route, or no such session or user. */
export class NotFoundError extends TesseraError {
  constructor(detail = 'Nothing is here.') {
    super(404, 'not-found', 'Not found', detail);
  }
}

/** 405 `method-not-allowed`, with the `Allow` header. */
export class MethodNotAllowedError extends TesseraError {
  constructor(allowed: string) {
    super(405, 'method-not-allowed', 'Method not allowed', `Allowed methods: ${allowed}.`, { headers: { Allow: allowed } });
  }
}

/** 409 `username-taken`: a registration with a name already taken. */
export class UsernameTakenError extends TesseraError {
  constructor() {
    super(409, 'username-taken', 'Username taken', 'That username is already registered.');
  }
}

/** 409: the request conflicts with the current state (banning oneself, removing the last admin). */
export class ConflictError extends TesseraError {
  constructor(detail: string) {
    super(409, 'conflict', 'Conflict', detail);
  }
}

/**
 * 422: an Idempotency-Key already used for another request (another body, method or path) by the
 * same caller within a day (draft-ietf-httpapi-idempotency-key-header §2.7). Nothing was done.
 */
export class IdempotencyKeyReusedError extends TesseraError {
  constructor() {
    super(422, 'idempotency-key-reused', 'Idempotency key reused', 'This Idempotency-Key was used for another request; use a new key for a new request.');
  }
}

/** 409: the first request with this Idempotency-Key has not answered yet. Nothing was done; retry later. */
export class IdempotencyKeyInFlightError extends TesseraError {
  constructor() {
    super(
      409,
      'idempotency-key-in-flight',
      'Request in flight',
      'A request with this Idempotency-Key is still being processed; retry shortly to get its answer.',
      {
        headers: { 'Retry-After': '1' },
      },
    );
  }
}

/**
 * 429: too many attempts (failed logins, registrations, password checks in flight) from this
 * client or at this username. Says when to try again, never which limit it was, so an unknown
 * username answers as a known one does.
 */
export class RateLimitedError extends TesseraError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'rate-limited', 'Too many attempts', `Too many attempts; try again in ${retryAfterSeconds} seconds.`, {
      extras: { retryAfter: retryAfterSeconds },
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/** 503: every password-checking worker is busy and the queue is full; nothing was done. */
export class ServerBusyError extends TesseraError {
  constructor(readonly retryAfterSeconds: number) {
    super(503, 'busy', 'Server busy', 'The server is busy checking passwords; try again shortly.', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/** The status, problem code and title of every answer that Redis failed the request (two causes, one problem type). */
const STORE_UNAVAILABLE = [503, 'store-unavailable', 'Session store unavailable'] as const;

/** Redis could not be reached or did not answer in time: the request fails closed. */
export class StoreUnavailableError extends TesseraError {
  constructor(cause: unknown) {
    super(...STORE_UNAVAILABLE, 'The session store is unavailable; try again shortly.', { cause });
  }
}

/**
 * 503 from /readyz: Redis's maxmemory-policy lets it evict Tessera's keys when full, and with them
 * revocations, so a revoked session could come back. Set noeviction, or accept the risk with
 * ALLOW_REDIS_EVICTION=on.
 */
export class EvictingStoreError extends TesseraError {
  /** `risk`: what the policy may do, in a sentence (store/redisMemory.ts). */
  constructor(risk: string) {
    super(503, 'store-evicts', 'Session store may evict', `${risk}. Set maxmemory-policy noeviction, or ALLOW_REDIS_EVICTION=on to accept the risk.`);
  }
}

/**
 * 503: a security write (logout, revoke, ban, password or role change) reached the Redis master,
 * but Redis did not confirm it on enough replicas (or on disk) in time, so a fail-over could still
 * undo it. Every such write is idempotent: the client retries.
 */
export class UnconfirmedWriteError extends TesseraError {
  constructor(detail: string) {
    super(...STORE_UNAVAILABLE, `The change was not confirmed by the session store in time (${detail}), so it may not have taken effect; repeat the request.`);
  }
}

/**
 * 500 for anything thrown that is not a Tessera error (a bug): answered without its message, since
 * a foreign error's message may hold internals; the error handler logs the cause.
 */
export class InternalError extends TesseraError {
  constructor(cause?: unknown) {
    super(500, 'internal', 'Internal error', 'An internal error occurred.', { cause, expose: false });
  }
}

/** A session attribute over the size limit, or one too many. */
export class AttributeRejectedError extends TesseraError {
  constructor(detail: string) {
    super(400, 'attribute-rejected', 'Session attribute rejected', detail);
  }
}

/** A library caller passed an argument Tessera cannot use (a programming error, not a client's). */
export class TesseraArgumentError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'TesseraArgumentError';
  }
}
