/** The JSON API of sessions and the service's accounts: /auth/*. */
import Router from '@koa/router';
import type { AccountService } from '../../accounts/accountService';
import { CSRF_HEADER, csrfTokenOf } from '../../middleware/csrf';
import { requireAuth } from '../../middleware/requireAuth';
import type { SessionCookie } from '../../middleware/sessionCookie';
import type { SessionService } from '../../sessions/sessionService';
import { readBody } from '../requestInput';
import { actorOf, authenticated } from '../signedIn';
import { changePasswordSchema, loginSchema, registerSchema } from '../schemas';

/** With `cookie` (the cookie transport on), login also sets the session cookie and logout clears it. */
export function authRoutes(sessions: SessionService, accounts: AccountService, cookie: SessionCookie | null = null): Router {
  const router = new Router({ prefix: '/auth' });

  router.post('/register', async (ctx) => {
    const { username, password } = readBody(ctx, registerSchema);
    ctx.status = 201;
    ctx.body = { user: await accounts.register(username, password, ctx.ip) };
  });

  router.post('/login', async (ctx) => {
    const { username, password, device } = readBody(ctx, loginSchema);
    const { created, user } = await accounts.login(username, password, {
      device,
      ip: ctx.ip,
      userAgent: ctx.get('User-Agent'),
    });
    ctx.set('Cache-Control', 'no-store');
    cookie?.write(ctx, created.token, created.session.expiresAt);
    ctx.body = {
      token: created.token,
      tokenType: 'Bearer',
      expiresAt: created.session.expiresAt,
      absoluteExpiresAt: created.session.absoluteExpiresAt,
      session: created.session,
      user,
    };
  });

  const signedIn = requireAuth();

  router.get('/session', signedIn, async (ctx) => {
    const { session, user } = authenticated(ctx);
    // A page script using the cookie reads its CSRF token here, for unsafe fetch calls.
    if (ctx.state.credentials === 'cookie') ctx.set(CSRF_HEADER, await csrfTokenOf(session));
    ctx.body = { session, user: { id: user.id, username: user.name, roles: user.roles } };
  });

  router.post('/logout', signedIn, async (ctx) => {
    await accounts.logout(actorOf(ctx), authenticated(ctx).session.id);
    cookie?.clear(ctx);
    ctx.status = 204;
  });

  router.post('/logout-all', signedIn, async (ctx) => {
    await accounts.logoutAll(actorOf(ctx));
    cookie?.clear(ctx);
    ctx.status = 204;
  });

  router.get('/sessions', signedIn, async (ctx) => {
    const { session, user } = authenticated(ctx);
    const all = await sessions.list(user.id);
    ctx.body = { sessions: all.map((s) => ({ ...s, current: s.id === session.id })) };
  });

  router.delete('/sessions/:id', signedIn, async (ctx) => {
    await accounts.revokeOwnSession(actorOf(ctx), ctx.params.id);
    ctx.status = 204;
  });

  router.post('/password', signedIn, async (ctx) => {
    const { currentPassword, newPassword } = readBody(ctx, changePasswordSchema);
    await accounts.changePassword(actorOf(ctx), authenticated(ctx).session.id, currentPassword, newPassword);
    ctx.status = 204;
  });

  return router;
}
