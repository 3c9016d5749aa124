/**
 * The refresh token's cookie transport. The token travels in its own HttpOnly, SameSite=Lax
 * cookie, `__Host-tessera-refresh` when Secure. The `__Host-` prefix demands Path=/ (RFC 6265bis
 * §4.1.3.2), so the browser sends it with every request to this host; the restriction is on our
 * side instead: Tessera reads it only at POST /auth/refresh (with the origin check) and on a page
 * navigation that arrives without a live session, and never takes it for a bearer token (its
 * prefix differs, so a token check rejects it without a Redis call).
 */
import type { Context, Middleware } from 'koa';
import { RefreshTokenReusedError } from '../errors';
import type { Validation } from '../sessions/sessionService';
import type { RefreshedSession } from '../sessions/types';
import { SessionCookie } from './sessionCookie';
import './state';

export const REFRESH_COOKIE_BASE_NAME = 'tessera-refresh';

/** The refresh cookie that goes with a session cookie (Secure and prefixed alike). */
export function refreshCookieFor(sessionCookie: SessionCookie): SessionCookie {
  return new SessionCookie({ secure: sessionCookie.secure, name: REFRESH_COOKIE_BASE_NAME });
}

/** Sets both cookies to a refreshed pair (a new session: the browser may bind it to a key). */
export async function writeRefreshedCookies(
  ctx: Context,
  cookies: { session: SessionCookie; refresh: SessionCookie },
  refreshed: RefreshedSession,
): Promise<void> {
  // The rotated refresh token first: the old one is spent, and a client left without the new one
  // would present the old one again and be taken for a thief.
  cookies.refresh.write(ctx, refreshed.refresh.token, refreshed.refresh.expiresAt);
  await cookies.session.issue(ctx, refreshed.token, refreshed.session.expiresAt);
}

export interface PageRefreshOptions {
  session: SessionCookie;
  refresh: SessionCookie;
  /** Spends a refresh token (the account service's, which records reuse in the audit trail). */
  spend(token: string, metadata: { ip: string; userAgent: string }): Promise<RefreshedSession | null>;
  /** The request's session for a refreshed pair, from the refresh's own answer (no second token check). */
  activate(refreshed: RefreshedSession): Validation;
  /** Requests that may refresh: page navigations (safe methods). */
  applies(ctx: Context): boolean;
}

/**
 * Runs after authenticate() and the session cookie's slide: a page navigation whose session
 * cookie has lapsed but whose refresh cookie is live gets a new pair in both cookies and goes on
 * signed in. A refresh cookie that is dead (a ban ends it too) or reused is dropped and the request goes on
 * signed out; a store fault is answered 503 like any other.
 */
export function refreshFromCookie(options: PageRefreshOptions): Middleware {
  return async function refreshFromCookie(ctx, next) {
    const presented = ctx.state.session ? undefined : ctx.cookies.get(options.refresh.name);
    if (presented && options.applies(ctx)) {
      let refreshed: RefreshedSession | null = null;
      try {
        refreshed = await options.spend(presented, { ip: ctx.ip, userAgent: ctx.get('User-Agent') });
      } catch (error) {
        if (!(error instanceof RefreshTokenReusedError)) throw error;
      }
      if (refreshed) {
        const validation = options.activate(refreshed);
        await writeRefreshedCookies(ctx, options, refreshed);
        ctx.state.session = validation.session;
        ctx.state.user = validation.user;
        ctx.state.authFailure = undefined;
        ctx.state.credentials = 'cookie';
      } else {
        options.refresh.clear(ctx);
      }
    }
    await next();
  };
}
