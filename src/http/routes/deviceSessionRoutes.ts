/**
 * The two endpoints of device-bound cookie sessions (W3C DBSC): a browser that got
 * `Secure-Session-Registration` at sign-in registers its key at the start endpoint, then renews
 * its short-lived cookie at the refresh endpoint by signing a challenge with that key. Both answer
 * the session instructions JSON and set the cookie; neither takes a CSRF token (the signed
 * challenge is the proof a cross-site page cannot make), so they sit before the CSRF check.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { ConflictError, DeviceSessionEndedError, InvalidDeviceProofError } from '../../errors';
import { publicRoute } from '../../middleware/access';
import { DEVICE_SESSION_PATHS, presentedDeviceProof, presentedDeviceSessionId, sessionInstructions } from '../../middleware/deviceBoundCookie';
import { refreshCookieFor } from '../../middleware/refreshCookie';
import { requireAuth } from '../../middleware/requireAuth';
import type { SessionCookie } from '../../middleware/sessionCookie';
import { ALREADY_BOUND, type DeviceBinding } from '../../sessions/deviceBinding';
import { guardedRouter } from '../guardedRouter';
import { authenticated } from '../signedIn';

export function deviceSessionRoutes(cookie: SessionCookie, binding: DeviceBinding): Router {
  const router = guardedRouter();
  const refresh = refreshCookieFor(cookie);

  const answer = (ctx: Context, sessionId: string, token: string, until: Date) => {
    ctx.set('Cache-Control', 'no-store');
    cookie.write(ctx, token, until);
    ctx.body = sessionInstructions(sessionId, cookie);
  };

  /**
   * Registration: the signed-in browser's proof (`Secure-Session-Response`, its new key in the
   * header) over the start challenge its sign-in's answer carried. 200 with the instructions and
   * the cookie, now living one window, and the refresh cookie of a remembered login cleared (the
   * binding took the login over); 400 for a missing or bad proof, or one over no live start
   * challenge of this session, with no new challenge (the draft's registration is not retried, and
   * only a sign-in hands one out); 409 when the session is bound already; 429 for an address over
   * its failed proofs.
   */
  router.post(DEVICE_SESSION_PATHS.start, requireAuth(), async (ctx) => {
    const { session } = authenticated(ctx);
    const token = ctx.state.credentials === 'cookie' ? ctx.cookies.get(cookie.name) : undefined;
    if (!token) throw new InvalidDeviceProofError('register from the browser that holds the session cookie');
    // Known from the token check: a bound session is refused before any signature is verified.
    if (session.deviceBoundUntil !== null || session.boundKey !== null) throw new ConflictError(ALREADY_BOUND);
    const bound = await binding.register(token, presentedDeviceProof(ctx), ctx.ip);
    // The key supersedes "Keep me signed in": the login's refresh token is dead from the binding on.
    if (bound.remembered || ctx.cookies.get(refresh.name)) refresh.clear(ctx);
    answer(ctx, session.id, token, earlier(bound.expiresAt, bound.boundUntil));
  });

  /**
   * Refresh: the session named by `Sec-Secure-Session-Id`. Without a proof, or with one over a
   * lapsed or spent challenge: 403 with `Secure-Session-Challenge`. With a proof by the session's
   * key over a fresh challenge: 200, the instructions, and the cookie with a new token for one more
   * window. 400 for a proof by another key; 401 when the session is gone (the browser drops it);
   * 429 for an address over its budget of failed proofs.
   */
  router.post(DEVICE_SESSION_PATHS.refresh, publicRoute(), async (ctx) => {
    const sessionId = presentedDeviceSessionId(ctx);
    if (sessionId === null) throw new DeviceSessionEndedError();
    const renewed = await binding.renew(sessionId, presentedDeviceProof(ctx), ctx.ip);
    answer(ctx, sessionId, renewed.token, earlier(renewed.expiresAt, renewed.boundUntil));
  });

  return router;
}

function earlier(date: Date, other: Date): Date {
  return other < date ? other : date;
}
