/**
 * Koa middleware that validates the request's bearer token and slides its expiry (one Redis
 * round trip), then puts the session and user on ctx.state. It never refuses a request itself:
 * requireAuth() does, so public routes can see a user when there is one.
 */
import type { Middleware } from 'koa';
import type { SessionService } from '../sessions/sessionService';
import { readBearerToken } from './bearerToken';
import { isoTime } from './isoTime';
import './state';

/** The options of `authenticate()`. */
export interface AuthenticateOptions {
  /** Response header that tells the client when its session now expires (ISO 8601). Default "Session-Expires"; null for none. */
  expiresHeader?: string | null;
  /** Where else to find the token when no Authorization header is sent (the cookie transport). */
  fallbackToken?: (ctx: Parameters<Middleware>[0]) => string | null;
}

/** The header that tells the client when its session now expires. */
export const DEFAULT_EXPIRES_HEADER = 'Session-Expires';

/**
 * Checks the request's bearer token (or `fallbackToken`'s) and slides its session, in one Redis
 * round trip; sets `ctx.state.session` and `ctx.state.user`, or null with `ctx.state.authFailure`.
 * Never refuses a request: `requireAuth()` and `requireRole()` do.
 */
export function authenticate(sessions: SessionService, options: AuthenticateOptions = {}): Middleware {
  const expiresHeader = options.expiresHeader === undefined ? DEFAULT_EXPIRES_HEADER : options.expiresHeader;
  const fallbackToken = options.fallbackToken;
  return async function authenticate(ctx, next) {
    const token = readBearerToken(ctx.get('Authorization')) ?? fallbackToken?.(ctx) ?? null;
    ctx.state.session = null;
    ctx.state.user = null;
    if (token === null) {
      ctx.state.authFailure = 'missing';
    } else {
      const validation = await sessions.validate(token);
      if (validation) {
        ctx.state.session = validation.session;
        ctx.state.user = validation.user;
        ctx.state.authFailure = undefined;
        if (expiresHeader) ctx.set(expiresHeader, isoTime(validation.expiresAtMs));
      } else {
        ctx.state.authFailure = 'invalid';
      }
    }
    await next();
  };
}
