/**
 * CSRF defence for cookie-authenticated unsafe requests (POST, PUT, PATCH, DELETE): the
 * browser's own signals (Sec-Fetch-Site, Origin) must say same origin, and the request must
 * carry the session's synchronizer token, from the form field `_csrf` or the `X-CSRF-Token`
 * header (OWASP CSRF Prevention Cheat Sheet). The token is a random secret kept as a session
 * attribute, so it arrives with the session's one round trip and every app instance knows it.
 * Requests with an Authorization header need none of this: a browser never adds that header on
 * its own.
 */
import { randomBytes } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { CsrfRejectedError } from '../errors';
import type { ActiveSession, AttributeWriter } from '../sessions/activeSession';
import { sameSecret } from '../tokens/constantTime';
import './sessionCookie';
import { ownOrigin } from './requestOrigin';

const CSRF_ATTRIBUTE = 'csrf';
/** The request header that carries the session's CSRF token on `fetch` calls. */
export const CSRF_HEADER = 'X-CSRF-Token';
/** The form field that carries the session's CSRF token. */
export const CSRF_FIELD = '_csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * The session's synchronizer token, created (one attribute write) the first time a page needs it;
 * two tabs opening their first page at once agree on one token.
 */
export async function csrfTokenOf(session: ActiveSession): Promise<string> {
  const existing = session.get(CSRF_ATTRIBUTE);
  if (typeof existing === 'string') return existing;
  return String(await session.setIfAbsent(CSRF_ATTRIBUTE, randomBytes(32).toString('base64url')));
}

/** The CSRF token of a session known only by id (a session just minted by a refresh). */
export async function csrfTokenFor(writer: AttributeWriter, sessionId: string): Promise<string> {
  return String(await writer.setAttributeIfAbsent(sessionId, CSRF_ATTRIBUTE, randomBytes(32).toString('base64url')));
}

/** The options of `csrfProtection()`. */
export interface CsrfOptions {
  /** Origin the pages are served from, such as https://auth.example.com. Default: the request's own origin. */
  publicOrigin?: string;
  /** Unsafe requests that need the origin check even without a session, such as the login form (login CSRF). */
  isPageForm?: (ctx: Context) => boolean;
  /** Forms that start a session rather than act on one (login, register): origin check only, no token. */
  isTokenExempt?: (ctx: Context) => boolean;
  /**
   * Pages on other origins that may send cookie-authenticated writes to the JSON API: the CORS
   * origins, when cookies cross origins. Their requests still need the session's token (which
   * only a page allowed to read the answers can have); the page forms stay same-origin only.
   */
  trustedOrigins?: readonly string[];
}

/**
 * Refuses (403 `csrf-rejected`) a cookie-authenticated POST, PUT, PATCH or DELETE that says it
 * comes from another origin, or lacks the session's token (`_csrf` field or `X-CSRF-Token`
 * header). Requests with an `Authorization` header pass. Put it after `authenticate()` and a body parser.
 */
export function csrfProtection(options: CsrfOptions = {}): Middleware {
  const trusted = new Set(options.trustedOrigins ?? []);
  return async function csrfProtection(ctx, next) {
    if (SAFE_METHODS.has(ctx.method)) return next();
    const viaCookie = ctx.state.credentials === 'cookie';
    const session = ctx.state.session;
    const tokenChecked = Boolean(viaCookie && session && !options.isTokenExempt?.(ctx));
    const pageForm = options.isPageForm?.(ctx) ?? false;
    if (viaCookie || pageForm) {
      const fromTrusted = tokenChecked && !pageForm && trusted.has(ctx.get('Origin'));
      if (!fromTrusted) checkOrigin(ctx, options.publicOrigin ?? ownOrigin(ctx), !tokenChecked);
    }
    if (tokenChecked && session) {
      const expected = session.get(CSRF_ATTRIBUTE);
      const presented = ctx.get(CSRF_HEADER) || formField(ctx, CSRF_FIELD);
      if (!presented) throw new CsrfRejectedError(`Send the page's CSRF token in the "${CSRF_FIELD}" field or the ${CSRF_HEADER} header.`);
      if (typeof expected !== 'string' || !sameSecret(presented, expected)) {
        throw new CsrfRejectedError('The CSRF token does not belong to this session; reload the page and try again.');
      }
    }
    await next();
  };
}

/**
 * Refuses a request that says it comes from elsewhere. When no synchronizer token is checked
 * (login and register forms), the origin is the only defence, so a request that says nothing of
 * its origin at all is refused too (login CSRF from an old browser).
 */
function checkOrigin(ctx: Context, expectedOrigin: string, requireEvidence: boolean): void {
  // Fetch Metadata: sent by current browsers, and not settable by page scripts.
  const site = ctx.get('Sec-Fetch-Site');
  if (site && site !== 'same-origin' && site !== 'none') {
    throw new CsrfRejectedError('This request came from another site; send it from this site’s own pages.');
  }
  const origin = ctx.get('Origin');
  if (origin && origin !== expectedOrigin) {
    throw new CsrfRejectedError('This request came from another origin; send it from this site’s own pages.');
  }
  if (requireEvidence && !site && !origin) {
    throw new CsrfRejectedError('Your browser did not say where this form came from; send it from this site’s own pages.');
  }
}

export function formField(ctx: Context, name: string): string {
  const body = ctx.request.body as Record<string, unknown> | undefined;
  const value = body && typeof body === 'object' ? body[name] : undefined;
  return typeof value === 'string' ? value : '';
}
