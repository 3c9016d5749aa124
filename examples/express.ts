/**
 * Tessera's session service behind Express 5: the core needs no Koa. One middleware reads the
 * bearer token and validates (and slides) it; one error handler answers Tessera's errors as
 * problem+json. `npx tsx examples/express.ts` serves it on PORT (default 3000).
 */
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import {
  createRedisClient,
  waitUntilReady,
  createTessera,
  InvalidTokenError,
  PROBLEM_CONTENT_TYPE,
  problemDocument,
  readBearerToken,
  TesseraError,
  UnauthenticatedError,
  type Validation,
} from 'tessera-sessions';

declare global {
  namespace Express {
    interface Locals {
      /** The request's live session and user, or null. */
      auth: Validation | null;
      /** Why auth is null: no token, or one that is no live session. */
      authFailure?: 'missing' | 'invalid';
    }
  }
}

export const redis = createRedisClient({ kind: 'standalone', url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
export const tessera = createTessera(redis);

/** Like Tessera's authenticate(): never refuses, so public routes can see a user too. Express 5 passes a rejection to the error handler. */
const authenticate: RequestHandler = async (req, res, next) => {
  const token = readBearerToken(req.get('Authorization'));
  res.locals.auth = token ? await tessera.validate(token) : null;
  if (res.locals.auth) res.set('Session-Expires', res.locals.auth.session.expiresAt.toISOString());
  else res.locals.authFailure = token ? 'invalid' : 'missing';
  next();
};

/** Like requireAuth(): 401 with the RFC 6750 challenge. */
const requireAuth: RequestHandler = (_req, res, next) => {
  if (!res.locals.auth) throw res.locals.authFailure === 'invalid' ? new InvalidTokenError() : new UnauthenticatedError();
  next();
};

const problems: ErrorRequestHandler = (error, req, res, next) => {
  if (!(error instanceof TesseraError)) return next(error);
  res.status(error.status).set(error.headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemDocument(error, req.path)));
};

export const app = express();
app.use(authenticate);
app.post('/login', async (_req, res) => {
  const { token } = await tessera.create('user-1'); // after checking the user your way
  res.json({ token });
});
app.get('/me', requireAuth, (_req, res) => {
  res.json({ id: res.locals.auth?.user.id });
});
app.use(problems);

if (require.main === module) void waitUntilReady(redis).then(() => app.listen(Number(process.env.PORT ?? 3000)));
