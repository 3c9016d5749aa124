/**
 * Guards for routes: 401 with the RFC 6750 challenge when there is no live session, 403 when the
 * session's user lacks a role. Roles come from the same touch call, so a check costs no Redis call.
 * Handlers after a guard see `ctx.state.session` and `ctx.state.user` as set, not nullable.
 */
import type { DefaultState, Middleware, ParameterizedContext } from 'koa';
import { guardOf } from './access';
import { ImpersonationForbiddenError } from '../errors';
import type { ActiveSession } from '../sessions/activeSession';
import type { SessionUser } from '../sessions/types';
import { assertHasRole, assertRoleName, signedInOf } from './guardChecks';
import './state';

/** ctx.state behind requireAuth() or requireRole(): the session and its user are there. */
export interface AuthenticatedState extends DefaultState {
  session: ActiveSession;
  user: SessionUser;
  authFailure: undefined;
}

/** Refuses with 401 (`unauthenticated` or `invalid-token`, with the RFC 6750 challenge) unless `authenticate()` found a live session. */
export function requireAuth(): Middleware<AuthenticatedState> {
  return guardOf({ kind: 'signed-in' }, async function requireAuth(ctx, next) {
    assertSignedIn(ctx);
    await next();
  } as Middleware<AuthenticatedState>);
}

/** Refuses with 403 unless the user has the role; the role name is checked here, once, so a typo cannot silently lock everyone out. */
export function requireRole(role: string): Middleware<AuthenticatedState> {
  assertRoleName(role);
  return guardOf({ kind: 'role', role }, async function requireRole(ctx, next) {
    assertHasRole(assertSignedIn(ctx).user, role);
    await next();
  } as Middleware<AuthenticatedState>);
}

/**
 * Refuses (403 `impersonation-forbidden`) an impersonation session, after a guard: for the user's
 * own security acts (password, ending sessions) and admin routes.
 */
export function notImpersonating(): Middleware<AuthenticatedState> {
  return async function notImpersonating(ctx, next) {
    if (assertSignedIn(ctx).session.actor) throw new ImpersonationForbiddenError();
    await next();
  } as Middleware<AuthenticatedState>;
}

/** The live session and user, or the 401 of a request without one; for guards built on this one. */
export function assertSignedIn(ctx: ParameterizedContext): { session: ActiveSession; user: SessionUser } {
  return signedInOf(ctx.state, 'add app.use(authenticate(tessera))', `${ctx.method} ${ctx.path}`);
}
