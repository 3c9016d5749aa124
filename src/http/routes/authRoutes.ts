/** The JSON API of sessions and the service's accounts: /auth/*. */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccountService } from '../../accounts/accountService';
import type { Actor } from '../../admin/auditLog';
import { requireAuth } from '../../middleware/requireAuth';
import type { ActiveSession } from '../../sessions/activeSession';
import type { SessionService } from '../../sessions/sessionService';
import type { SessionUser } from '../../sessions/types';
import { readBody } from '../requestInput';
import { changePasswordSchema, loginSchema, registerSchema } from '../schemas';

export function authRoutes(sessions: SessionService, accounts: AccountService): Router {
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

  router.get('/session', signedIn, (ctx) => {
    const { session, user } = authenticated(ctx);
    ctx.body = { session, user: { id: user.id, username: user.name, roles: user.roles } };
  });

  router.post('/logout', signedIn, async (ctx) => {
    await accounts.logout(actorOf(ctx), authenticated(ctx).session.id);
    ctx.status = 204;
  });

  router.post('/logout-all', signedIn, async (ctx) => {
    await accounts.logoutAll(actorOf(ctx));
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

/** The signed-in user as the actor of an audited act. */
export function actorOf(ctx: Context): Actor {
  const { user } = authenticated(ctx);
  return { id: user.id, name: user.name, ip: ctx.ip };
}

/** The session and user that requireAuth() guarantees. */
export function authenticated(ctx: Context): { session: ActiveSession; user: SessionUser } {
  const { session, user } = ctx.state;
  if (!session || !user) throw new Error('authenticated() used on a route without requireAuth()');
  return { session, user };
}
