/**
 * Tessera's session service behind Hono: the core needs no Koa. One middleware reads the bearer
 * token and validates (and slides) it; onError answers Tessera's errors as problem+json.
 * Serve `app.fetch` with any Hono adapter (@hono/node-server, Bun, Deno, workers with a TCP Redis).
 */
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import {
  createRedisClient,
  createTessera,
  InvalidTokenError,
  PROBLEM_CONTENT_TYPE,
  problemDocument,
  readBearerToken,
  TesseraError,
  UnauthenticatedError,
  type Validation,
} from 'tessera-sessions';

export const redis = createRedisClient({ kind: 'standalone', url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
export const tessera = createTessera(redis);

type Env = { Variables: { auth: Validation | null; authFailure?: 'missing' | 'invalid' } };

/** Like Tessera's authenticate(): never refuses, so public routes can see a user too. */
const authenticate = createMiddleware<Env>(async (c, next) => {
  const token = readBearerToken(c.req.header('Authorization'));
  const auth = token ? await tessera.validate(token) : null;
  c.set('auth', auth);
  if (auth) c.header('Session-Expires', auth.session.expiresAt.toISOString());
  else c.set('authFailure', token ? 'invalid' : 'missing');
  await next();
});

/** Like requireAuth(): 401 with the RFC 6750 challenge; later handlers get a non-null auth. */
const requireAuth = createMiddleware<{ Variables: { auth: Validation; authFailure?: 'missing' | 'invalid' } }>(async (c, next) => {
  if (!c.get('auth')) throw c.get('authFailure') === 'invalid' ? new InvalidTokenError() : new UnauthenticatedError();
  await next();
});

export const app = new Hono<Env>();
app.use(authenticate);
app.post('/login', async (c) => {
  const { token } = await tessera.create('user-1'); // after checking the user your way
  return c.json({ token });
});
app.get('/me', requireAuth, (c) => c.json({ id: c.get('auth').user.id }));
app.onError((error, c) => {
  if (!(error instanceof TesseraError)) throw error;
  const headers = { ...error.headers, 'Content-Type': PROBLEM_CONTENT_TYPE };
  return new Response(JSON.stringify(problemDocument(error, c.req.path)), { status: error.status, headers });
});
