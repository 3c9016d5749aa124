/**
 * The usual Koa answer: koa-session with its Redis store (koa-redis), rolling: true so every
 * request slides the session, as Tessera does. The session travels in a signed cookie.
 */
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import redisStore from 'koa-redis';
import session from 'koa-session';
import { sessionShape } from '../sessionShape';
import { cookieLogin } from './cookieLogin';
import { serveMe } from './listen';
import type { StartServer } from './types';

export const start: StartServer = async (setup) => {
  if (setup.redis?.kind !== 'standalone' || !setup.redis.url) throw new Error('koa-session needs a standalone Redis URL');
  const store = redisStore({ url: setup.redis.url });
  const app = new Koa();
  app.keys = [randomBytes(32).toString('hex')];
  app.use(session({ store, prefix: `${setup.keyPrefix}:`, rolling: true, maxAge: 30 * 60 * 1000, key: 'sid' }, app));
  const router = new Router();
  router.post('/login', (ctx) => {
    const shape = sessionShape(0);
    ctx.session!.user = { id: shape.userId, roles: shape.roles };
    ctx.session!.device = shape.device;
    ctx.session!.ip = shape.ip;
    ctx.session!.userAgent = shape.userAgent;
    ctx.session!.attributes = shape.attributes;
    ctx.status = 204;
  });
  router.get('/me', (ctx) => {
    const user = ctx.session?.user as { id: string; roles: string[] } | undefined;
    if (!user) {
      ctx.status = 401;
      return;
    }
    ctx.body = { id: user.id, roles: user.roles };
  });
  app.use(router.routes());
  return serveMe(
    app.callback(),
    setup.port,
    async (server) => ({ cookie: await cookieLogin(server) }),
    () => store.quit(),
  );
};
