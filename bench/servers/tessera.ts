/**
 * Tessera's middleware in the same bare Koa app: a real token, validated and slid on every
 * request. Serves both the standalone and the Redis Cluster rows; only the Redis target differs.
 */
import Router from '@koa/router';
import Koa from 'koa';
import { authenticate, createTessera, requireAuth } from '../../src';
import { sessionShape } from '../sessionShape';
import { connectRedis } from './connectRedis';
import { serveMe } from './listen';
import type { StartServer } from './types';

export const start: StartServer = async (setup) => {
  if (!setup.redis) throw new Error('tessera needs a Redis target');
  const redis = await connectRedis(setup.redis);
  const tessera = createTessera(redis, { keyPrefix: setup.keyPrefix });

  const shape = sessionShape(0);
  const { token, session } = await tessera.create(shape.userId, {
    device: shape.device,
    ip: shape.ip,
    userAgent: shape.userAgent,
  });
  await tessera.setRoles(shape.userId, shape.roles);
  for (const [name, value] of Object.entries(shape.attributes)) await tessera.setAttribute(session.id, name, value);

  const app = new Koa();
  const router = new Router();
  app.use(authenticate(tessera));
  router.get('/me', requireAuth(), (ctx) => {
    ctx.body = { id: ctx.state.user!.id, roles: ctx.state.user!.roles };
  });
  app.use(router.routes());
  return serveMe(
    app.callback(),
    setup.port,
    () => ({ authorization: `Bearer ${token}` }),
    () => redis.disconnect(),
  );
};
