/**
 * A guard for sensitive acts (RFC 9470 step-up): the session must be live and its password proven
 * at most `maxAgeSeconds` ago, at login or by POST /auth/reauthenticate; sliding activity does not
 * count. Otherwise 401 with `WWW-Authenticate: Bearer error="insufficient_user_authentication",
 * max_age=<seconds>`, which the client SDK answers by asking for the password.
 */
import type { Middleware } from 'koa';
import { ReauthenticationRequiredError, TesseraArgumentError } from '../errors';
import { guardOf } from './access';
import { assertSignedIn, type AuthenticatedState } from './requireAuth';

/** The guard of an act that needs the password proven at most `maxAgeSeconds` ago (a whole number). */
export function requireRecentAuth(maxAgeSeconds: number): Middleware<AuthenticatedState> {
  if (!Number.isSafeInteger(maxAgeSeconds) || maxAgeSeconds <= 0) {
    throw new TesseraArgumentError(`requireRecentAuth(maxAgeSeconds) takes a positive whole number of seconds; got ${String(maxAgeSeconds)}.`);
  }
  const maxAgeMs = maxAgeSeconds * 1000;
  return guardOf({ kind: 'signed-in' }, async function requireRecentAuth(ctx, next) {
    assertSignedIn(ctx);
    const { authenticatedAt } = ctx.state.session;
    if (authenticatedAt === null || Date.now() - authenticatedAt.getTime() > maxAgeMs) throw new ReauthenticationRequiredError(maxAgeSeconds);
    await next();
  } as Middleware<AuthenticatedState>);
}
