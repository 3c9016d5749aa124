/**
 * Guards for routes: 401 with the RFC 6750 challenge when there is no live session, 403 when the
 * session's user lacks a role. Roles come from the same touch call, so a check costs no Redis call.
 * Handlers after a guard see `ctx.state.session` and `ctx.state.user` as set, not nullable.
 */
import type { DefaultState, Middleware, ParameterizedContext } from 'koa';
import { guardOf } from './access';
import { ForbiddenError, InvalidTokenError, TesseraArgumentError, UnauthenticatedError, type TesseraError } from '../errors';
import type { ActiveSession } from '../sessions/activeSession';
import type { SessionUser } from '../sessions/types';
import { ROLE } from '../validation/rules';
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
  if (typeof role !== 'string' || !ROLE.test(role)) {
    const lower = typeof role === 'string' ? role.toLowerCase() : '';
    const hint = lower !== role && ROLE.test(lower) ? `; did you mean "${lower}"?` : '.';
    throw new TesseraArgumentError(
      `requireRole(${JSON.stringify(role)}) could never match: a role is 1-32 lower-case letters, digits, "_" or "-", starting with a letter${hint}`,
    );
  }
  return guardOf({ kind: 'role', role }, async function requireRole(ctx, next) {
    assertSignedIn(ctx);
    if (!ctx.state.user.roles.includes(role)) throw new ForbiddenError(`This needs the "${role}" role.`);
    await next();
  } as Middleware<AuthenticatedState>);
}

function assertSignedIn(ctx: ParameterizedContext): void {
  const { state } = ctx;
  if (state.session) return;
  // authenticate() always sets session (null when there is none); undefined means it never ran.
  if (state.session === undefined) {
    throw new Error(
      `Tessera's guards need authenticate() to run first: add app.use(authenticate(tessera)) before the routes that use requireAuth() or requireRole() (request: ${ctx.method} ${ctx.path}).`,
    );
  }
  throw authFailureError(state);
}

/** The 401 for a request without a live session: the RFC 6750 challenge, or the DPoP one (RFC 9449) when its proof was refused. */
export function authFailureError(state: DefaultState): TesseraError {
  if (state.authError) return state.authError;
  return state.authFailure === 'invalid' ? new InvalidTokenError() : new UnauthenticatedError();
}
