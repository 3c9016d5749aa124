/**
 * The README's library quick start, word for word (a test checks it), so that it type-checks with
 * the rest of the project.
 */
import Koa from 'koa';
import { authenticate, createRedisClient, createTessera, waitUntilReady } from 'tessera-sessions';

const redis = createRedisClient({ kind: 'standalone', url: 'redis://127.0.0.1:6379' });
const tessera = createTessera(redis, { idleTimeoutSeconds: 30 * 60 });
const app = new Koa();
app.use(authenticate(tessera)); // checks and slides the bearer token: one Redis round trip
app.use(async (ctx) => {
  if (ctx.path === '/login')
    ctx.body = await tessera.create('user-1'); // after your own password check
  else ctx.body = ctx.state.user ? { hello: ctx.state.user.id } : 'signed out';
});
waitUntilReady(redis).then(() => app.listen(3000));
