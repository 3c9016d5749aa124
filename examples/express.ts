/**
 * Tessera in an Express app, all from `tessera-sessions/express` (no Koa): the auth routes the
 * client SDK speaks, the bearer-token check that slides the session, role guards, and problem+json
 * for every error. Runs as ES module or CommonJS:
 * `REDIS_URL=redis://127.0.0.1:6379 PORT=3000 npx tsx examples/express.ts`.
 */
import { scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import express from 'express';
import {
  authenticate,
  authRoutes,
  createRedisClient,
  cors,
  createTessera,
  problemDetails,
  requireAuth,
  requireRole,
  signedIn,
  waitUntilReady,
} from 'tessera-sessions/express';

const redis = createRedisClient({ kind: 'standalone', url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
const tessera = createTessera(redis);

// Your users, your way. Here one, "ada", whose password is hashed with scrypt.
const hash = (password: string) => promisify(scrypt)(password, 'example-salt', 32) as Promise<Buffer>;
const users = new Map([['ada', { id: 'user-1', passwordHash: hash(process.env.EXAMPLE_PASSWORD ?? 'correct horse battery staple') }]]);

const app = express();
// Pages on other origins that may call (such as https://app.example.com), before everything else.
if (process.env.CORS_ORIGINS) app.use(cors({ origins: process.env.CORS_ORIGINS.split(',') }));
app.use(express.json({ limit: '16kb' }));
// POST /auth/login, /auth/refresh, /auth/logout, /auth/logout-all and GET /auth/session.
app.use(
  authRoutes(tessera, {
    async checkPassword(username, password) {
      const user = users.get(username);
      const presented = await hash(password);
      return user && timingSafeEqual(presented, await user.passwordHash) ? user.id : null;
    },
    describeUser: (user) => ({ username: [...users].find(([, known]) => known.id === user.id)?.[0] ?? null }),
  }),
);
app.use(authenticate(tessera));

app.get('/me', requireAuth(), (_req, res) => {
  const { user, session } = signedIn(res);
  res.json({ id: user.id, roles: user.roles, sessionExpiresAt: session.expiresAt });
});
app.get('/admin', requireRole('admin'), (_req, res) => {
  res.json({ welcome: signedIn(res).user.id });
});
app.get('/fails', () => {
  // Any error a route throws is logged and answered as a problem+json 500, without its message.
  throw new Error('something broke in this route');
});
app.use(problemDetails());

const port = Number(process.env.PORT ?? 3000);
void waitUntilReady(redis).then(() => {
  app.listen(port, () => console.log(`Express example listening on http://localhost:${port}`));
});
