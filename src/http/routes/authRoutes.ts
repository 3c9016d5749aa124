/** The JSON API of sessions and the service's accounts: /auth/*. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AccountService } from '../../accounts/accountService';
import { CSRF_HEADER, csrfTokenFor, csrfTokenOf } from '../../middleware/csrf';
import { deviceCookieFor } from '../../middleware/deviceCookie';
import { publicRoute } from '../../middleware/access';
import { notImpersonating, requireAuth } from '../../middleware/requireAuth';
import { guardedRouter } from '../guardedRouter';
import { InvalidRefreshTokenError, RefreshTokenReusedError, ValidationError } from '../../errors';
import { refreshCookieFor, writeRefreshedCookies } from '../../middleware/refreshCookie';
import { offerDpopNonce, ownRequest, type DpopVerifier } from '../../middleware/dpop';
import type { SessionCookie } from '../../middleware/sessionCookie';
import type { SessionService } from '../../sessions/sessionService';
import type { IdempotencyStore, StoredAnswer } from '../../store/idempotencyStore';
import { idempotencyKey } from '../idempotencyKey';
import { isoTimes } from '../isoTimes';
import { sessionListCursor } from '../cursor';
import { readBody, readQuery } from '../requestInput';
import { actorOf, authenticated } from '../signedIn';
import { changePasswordSchema, loginSchema, reauthenticateSchema, refreshSchema, registerSchema, sessionPageQuerySchema } from '../schemas';
import { issuedSessionBody } from '../../authRoutes/issuedSession';

/**
 * With `cookie` (the cookie transport on), login also sets the session cookie (and, remembered,
 * the refresh cookie) and reads and sets the device cookie, refresh reads and sets them, and
 * logout clears the session's two. A login or refresh with a DPoP proof (RFC 9449) binds its session to the proof's key: its token is answered as
 * tokenType DPoP, kept out of cookies (a cookie carries no proof), and a refresh of a bound login
 * needs a proof by the same key.
 */
export function authRoutes(
  sessions: SessionService,
  accounts: AccountService,
  dpop: DpopVerifier,
  idempotency: IdempotencyStore,
  cookie: SessionCookie | null = null,
): Router {
  const router = guardedRouter({ prefix: '/auth' });
  const anyone = publicRoute();
  const signedIn = requireAuth();
  const proofRequired = dpop.options.mode === 'required';
  // The user's own security acts: an admin acting as the user may not do them.
  const owner = notImpersonating();
  const refreshCookie = cookie && refreshCookieFor(cookie);
  const deviceCookie = cookie && deviceCookieFor(cookie);
  const clearCookies = (ctx: Context) => {
    cookie?.clear(ctx);
    refreshCookie?.clear(ctx);
  };

  const retry = idempotencyKey(idempotency, 'session');
  // A replay of a request with a password proves that password again (see idempotencyKey.ts).
  const registrationRetry = idempotencyKey(idempotency, 'address', (ctx, answer) =>
    accounts.provesPassword(registeredUserId(answer), readBody(ctx, registerSchema).password, ctx.ip),
  );
  const reauthenticationRetry = idempotencyKey(idempotency, 'session', (ctx) =>
    accounts.provesPassword(authenticated(ctx).user.id, readBody(ctx, reauthenticateSchema).password, ctx.ip),
  );
  const passwordRetry = idempotencyKey(idempotency, 'session', (ctx) =>
    accounts.provesNewPassword(actorOf(ctx), authenticated(ctx).session.id, readBody(ctx, changePasswordSchema).newPassword),
  );

  router.post('/register', anyone, registrationRetry, async (ctx) => {
    const { username, password } = readBody(ctx, registerSchema);
    ctx.status = 201;
    ctx.body = { user: await accounts.register(username, password, ctx.ip) };
  });

  router.post('/login', anyone, async (ctx) => {
    const { username, password, device, remember, deviceToken } = readBody(ctx, loginSchema);
    // Before the password check: a proof that fails costs no password hashing.
    const proof = await dpop.forIssuance(ownRequest(ctx), proofRequired);
    const metadata = { device, ip: ctx.ip, userAgent: ctx.get('User-Agent') };
    const presentedDevice = deviceToken ?? (deviceCookie ? ctx.cookies.get(deviceCookie.name) : undefined);
    const {
      created,
      user,
      device: trusted,
    } = await accounts.login(username, password, metadata, {
      remember,
      deviceToken: presentedDevice,
      boundKey: proof?.jkt,
    });
    ctx.set('Cache-Control', 'no-store');
    await offerDpopNonce(ctx, dpop);
    if (!proof) {
      await cookie?.issue(ctx, created.token, created.session.expiresAt);
      if (created.refresh) refreshCookie?.write(ctx, created.refresh.token, created.refresh.expiresAt);
    }
    deviceCookie?.write(ctx, trusted.token, trusted.expiresAt);
    ctx.body = {
      ...issuedSessionBody(created.token, created.session, created.refresh, user),
      deviceToken: trusted.token,
      deviceTokenExpiresAt: trusted.expiresAt,
    };
  });

  // Anonymous: a token that is not live writes nothing but its address's failure count (bounded, expiring).
  router.post('/refresh', anyone, async (ctx) => {
    const { refreshToken } = readBody(ctx, refreshSchema);
    // The cookie is read only when the body names no token (the origin check covers that case; see pages/index.ts).
    const fromCookie = refreshToken === undefined && refreshCookie ? ctx.cookies.get(refreshCookie.name) : undefined;
    const presented = refreshToken ?? fromCookie;
    if (!presented) throw new ValidationError([{ field: 'refreshToken', message: 'is required' }]);
    ctx.set('Cache-Control', 'no-store');
    const proof = await dpop.forIssuance(ownRequest(ctx), proofRequired);
    let refreshed: Awaited<ReturnType<AccountService['refresh']>>;
    try {
      refreshed = await accounts.refresh(presented, { ip: ctx.ip, userAgent: ctx.get('User-Agent') }, proof?.jkt ?? null);
    } catch (error) {
      if (fromCookie && error instanceof RefreshTokenReusedError) clearCookies(ctx);
      throw error;
    }
    if (!refreshed) {
      if (fromCookie) refreshCookie?.clear(ctx);
      throw new InvalidRefreshTokenError();
    }
    await offerDpopNonce(ctx, dpop);
    const { token, session, refresh, account: user } = refreshed;
    const body = issuedSessionBody(token, session, refresh, user);
    if (fromCookie && cookie && refreshCookie) {
      // Cookie mode: the tokens stay in HttpOnly cookies, out of reach of page scripts.
      await writeRefreshedCookies(ctx, { session: cookie, refresh: refreshCookie }, refreshed);
      ctx.set(CSRF_HEADER, await csrfTokenFor(sessions, session.id));
      ctx.body = { ...body, token: undefined, refreshToken: undefined };
    } else {
      ctx.body = body;
    }
  });

  router.get('/session', signedIn, async (ctx) => {
    const { session, user } = authenticated(ctx);
    // A page script using the cookie reads its CSRF token here, for unsafe fetch calls.
    if (ctx.state.credentials === 'cookie') ctx.set(CSRF_HEADER, await csrfTokenOf(session));
    ctx.body = { session: isoTimes(session.toJSON()), user: { id: user.id, username: user.name, roles: user.roles } };
  });

  router.post('/logout', signedIn, async (ctx) => {
    await accounts.logout(actorOf(ctx), authenticated(ctx).session);
    clearCookies(ctx);
    ctx.status = 204;
  });

  router.post('/logout-all', signedIn, owner, retry, async (ctx) => {
    await accounts.logoutAll(actorOf(ctx));
    clearCookies(ctx);
    ctx.status = 204;
  });

  router.get('/sessions', signedIn, async (ctx) => {
    const { session, user } = authenticated(ctx);
    const { cursor, limit } = readQuery(ctx, sessionPageQuerySchema);
    const page = await sessions.list(user.id, { cursor: sessionListCursor(cursor), limit });
    ctx.body = {
      // A page holds up to 100 sessions with five or more times each: written as text here, each
      // costs a third of what JSON.stringify's Date#toJSON would, on the core every token check shares.
      sessions: page.sessions.map((s) => {
        const json = isoTimes(s);
        json.current = s.id === session.id;
        return json;
      }),
      total: page.total,
      nextCursor: page.nextCursor,
    };
  });

  router.delete('/sessions/:id', signedIn, owner, async (ctx) => {
    await accounts.revokeOwnSession(actorOf(ctx), ctx.params.id);
    ctx.status = 204;
  });

  router.post('/reauthenticate', signedIn, owner, reauthenticationRetry, async (ctx) => {
    const { password } = readBody(ctx, reauthenticateSchema);
    await accounts.reauthenticate(actorOf(ctx), authenticated(ctx).session.id, password);
    ctx.status = 204;
  });

  router.post('/password', signedIn, owner, passwordRetry, async (ctx) => {
    const { currentPassword, newPassword } = readBody(ctx, changePasswordSchema);
    await accounts.changePassword(actorOf(ctx), authenticated(ctx).session.id, currentPassword, newPassword);
    ctx.status = 204;
  });

  return router;
}

/** The user a kept registration answer created. */
function registeredUserId(answer: StoredAnswer): string {
  return (JSON.parse(answer.body ?? '{}') as { user?: { id?: string } }).user?.id ?? '';
}
