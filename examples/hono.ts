/**
 * Tessera in a Hono app, all from `tessera-sessions/hono` (no Koa): the auth routes the client
 * SDK speaks, the bearer-token check that slides the session (typed on `c.var`), role guards, and
 * problem+json for every error. Served here by @hono/node-server; Bun and Deno serve `app.fetch`
 * as is. `REDIS_URL=redis://127.0.0.1:6379 PORT=3000 npx tsx examples/hono.ts`.
 */
import { scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import {
  authenticate,
  authRoutes,
  createRedisClient,
  cors,
  createTessera,
  problemDetails,
  requireAuth,
  requireRole,
  waitUntilReady,
  type TesseraEnv,
} from 'tessera-sessions/hono';

const redis = createRedisClient({ kind: 'standalone', url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
const tessera = createTessera(redis);

// Your users, your way. Here one, "ada", whose password is hashed with scrypt.
const hash = (password: string) => promisify(scrypt)(password, 'example-salt', 32) as Promise<Buffer>;
const users = new Map([['ada', { id: 'user-1', passwordHash: hash(process.env.EXAMPLE_PASSWORD ?? 'correct horse battery staple') }]]);

const app = new Hono<TesseraEnv>();
// Pages on other origins that may call (such as https://app.example.com), before everything else.
if (process.env.CORS_ORIGINS) app.use(cors({ origins: process.env.CORS_ORIGINS.split(',') }));
// POST /auth/login, /auth/refresh, /auth/logout, /auth/logout-all and GET /auth/session.
app.use(
  authRoutes(tessera, {
    async checkPassword(username, password) {
      const user = users.get(username);
      const presented = await hash(password);
      return user && timingSafeEqual(presented, await user.passwordHash) ? user.id : null;
    },
    describeUser: (user) => ({ username: [...users].find(([, known]) => known.id === user.id)?.[0] ?? null }),
    ipOf: (c) => getConnInfo(c).remote.address ?? null,
  }),
);
app.use(authenticate(tessera));

// Behind a guard, c.var.user and c.var.session are typed as set.
app.get('/me', requireAuth(), (c) => c.json({ id: c.var.user.id, roles: c.var.user.roles, sessionExpiresAt: c.var.session.expiresAt }));
app.get('/admin', requireRole('admin'), (c) => c.json({ welcome: c.var.user.id }));
app.get('/fails', () => {
  // Any error a route throws is logged and answered as a problem+json 500, without its message.
  throw new Error('something broke in this route');
});
app.onError(problemDetails());

const port = Number(process.env.PORT ?? 3000);
void waitUntilReady(redis).then(() => {
  serve({ fetch: app.fetch, port }, (info) => console.log(`Hono example listening on http://localhost:${info.port}`));
});
