/**
 * Guards for routes: 401 with the RFC 6750 challenge when there is no live session, 403 when the
 * session's user lacks a role. Roles come from the same touch call, so a check costs no Redis call.
 */
import type { Middleware } from 'koa';
import { ForbiddenError, InvalidTokenError, UnauthenticatedError } from '../errors';
import './state';

export function requireAuth(): Middleware {
  return async function requireAuth(ctx, next) {
    if (!ctx.state.session) {
      throw ctx.state.authFailure === 'invalid' ? new InvalidTokenError() : new UnauthenticatedError();
    }
    await next();
  };
}

export function requireRole(role: string): Middleware {
  const auth = requireAuth();
  return async function requireRole(ctx, next) {
    await auth(ctx, async () => {
      if (!ctx.state.user?.roles.includes(role)) throw new ForbiddenError(`This needs the "${role}" role.`);
      await next();
    });
  };
}
