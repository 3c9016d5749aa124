import Router from '@koa/router';
import type { Cluster, Redis } from 'ioredis';
import Koa from 'koa';
import request from 'supertest';
import {
  authenticate,
  createTessera,
  problemDetails,
  readBearerToken,
  requireAuth,
  requireRole,
  StoreUnavailableError,
  TesseraArgumentError,
  type ProblemLogger,
  type SessionService,
} from '../../src';
import { BACKENDS, uniquePrefix } from '../support/backends';

/** An app as a library user would write it: Tessera's middleware, Koa's own error handling. */
function appWith(tessera: SessionService): Koa {
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  router.get('/public', (ctx) => {
    ctx.body = { user: ctx.state.user?.id ?? null, failure: ctx.state.authFailure ?? null };
  });
  router.get('/private', requireAuth(), (ctx) => {
    ctx.body = { user: ctx.state.user.id, attributes: ctx.state.session.allAttributes() };
  });
  router.get('/staff', requireRole('staff'), (ctx) => {
    ctx.body = { ok: true };
  });
  router.post('/attributes/:name', requireAuth(), async (ctx) => {
    // Spread the two requests' writes apart in time, as real handlers doing other work would.
    await new Promise((resolve) => setTimeout(resolve, ctx.params.name === 'first' ? 50 : 0));
    await ctx.state.session.set(ctx.params.name, ctx.query.value);
    ctx.status = 204;
  });
  app.use(authenticate(tessera));
  app.use(router.routes());
  return app;
}

describe.each(BACKENDS)('the Koa middleware on $name Redis', (backend) => {
  let redis: Redis | Cluster;
  let tessera: SessionService;
  let app: Koa;

  beforeAll(async () => {
    redis = await backend.connect();
  });
  afterAll(() => redis.quit());
  beforeEach(() => {
    tessera = createTessera(redis, { keyPrefix: uniquePrefix() });
    app = appWith(tessera);
  });

  it('lets a public route see the user when there is one, and nobody otherwise', async () => {
    const { token } = await tessera.create('user-1');
    expect((await request(app.callback()).get('/public').set('Authorization', `Bearer ${token}`)).body).toEqual({ user: 'user-1', failure: null });
    expect((await request(app.callback()).get('/public')).body).toEqual({ user: null, failure: 'missing' });
    expect((await request(app.callback()).get('/public').set('Authorization', 'Bearer nope')).body).toEqual({ user: null, failure: 'invalid' });
  });

  it('refuses a private route with the RFC 6750 challenge, through Koa’s own error handling', async () => {
    const none = await request(app.callback()).get('/private');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="tessera"');
    const bad = await request(app.callback()).get('/private').set('Authorization', 'Bearer tess_nope');
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer realm="tessera", error="invalid_token"');
  });

  it('slides the session and says until when, on every authenticated request when the slide granularity is 0', async () => {
    const eager = createTessera(redis, { keyPrefix: uniquePrefix(), slideGranularityMs: 0 });
    const { token, session } = await eager.create('user-1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const response = await request(appWith(eager).callback()).get('/private').set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(Date.parse(response.headers['session-expires'])).toBeGreaterThanOrEqual(session.expiresAt.getTime() + 50);
  });

  it('refuses a route needing a role the user lacks with 403, and opens it once the role is granted', async () => {
    const { token } = await tessera.create('user-1');
    expect((await request(app.callback()).get('/staff').set('Authorization', `Bearer ${token}`)).status).toBe(403);
    await tessera.setRoles('user-1', ['staff']);
    expect((await request(app.callback()).get('/staff').set('Authorization', `Bearer ${token}`)).status).toBe(200);
  });

  it('keeps both attributes when two concurrent requests set different ones', async () => {
    const { token } = await tessera.create('user-1');
    const auth = `Bearer ${token}`;
    const [first, second] = await Promise.all([
      request(app.callback()).post('/attributes/first?value=1').set('Authorization', auth),
      request(app.callback()).post('/attributes/second?value=2').set('Authorization', auth),
    ]);
    expect([first.status, second.status]).toEqual([204, 204]);
    const after = await request(app.callback()).get('/private').set('Authorization', auth);
    expect(after.body.attributes).toEqual({ first: '1', second: '2' });
  });

  it('validates its options when created, naming the option to fix', () => {
    expect(() => createTessera(redis, { idleTimeoutSeconds: 0 })).toThrow(/idleTimeoutSeconds must be a positive number/);
    expect(() => createTessera(redis, { keyPrefix: 'a{b}' })).toThrow(/keyPrefix must be/);
    expect(() => createTessera(redis, { idleTimeoutSeconds: 10, absoluteLifetimeSeconds: 5 })).toThrow(/must not exceed absoluteLifetimeSeconds/);
    expect(() => createTessera(redis, { idleTimeoutSeconds: 1, slideGranularityMs: 1000 })).toThrow(/slideGranularityMs must be .* below the idle timeout/);
    expect(() => createTessera(redis, { slideGranularityMs: -1 })).toThrow(/slideGranularityMs must be/);
    expect(() => createTessera(redis, { maxSessionsPerUser: 1.5 })).toThrow(/maxSessionsPerUser must be a positive whole number/);
  });
});

describe('the guards', () => {
  it('refuse a role name that could never match, when the route is built', () => {
    expect(() => requireRole('Admin')).toThrow(
      new TesseraArgumentError(
        'requireRole("Admin") could never match: a role is 1-32 lower-case letters, digits, "_" or "-", starting with a letter; did you mean "admin"?',
      ),
    );
    expect(() => requireRole('')).toThrow(/requireRole\(""\) could never match/);
    expect(() => requireRole('staff')).not.toThrow();
  });

  it('fail loudly at the first request when authenticate() never ran, naming it', async () => {
    const app = new Koa();
    app.silent = true;
    const errors: Error[] = [];
    app.on('error', (error: Error) => errors.push(error));
    const router = new Router();
    router.get('/private', requireAuth(), (ctx) => {
      ctx.body = 'reached';
    });
    app.use(router.routes());
    const response = await request(app.callback()).get('/private').set('Authorization', 'Bearer tess_whatever');
    expect(response.status).toBe(500);
    expect(errors.map((error) => error.message)).toEqual([
      "Tessera's guards need authenticate() to run first: add app.use(authenticate(tessera)) before the routes that use requireAuth() or requireRole() (request: GET /private).",
    ]);
  });
});

describe('readBearerToken', () => {
  it('reads the token of an Authorization header value, whatever the framework', () => {
    expect(readBearerToken('Bearer tess_abc')).toBe('tess_abc');
    expect(readBearerToken('bearer   tess_abc ')).toBe('tess_abc');
    expect(readBearerToken('Basic dXNlcjpwYXNz')).toBe('');
    expect(readBearerToken(undefined)).toBeNull();
    expect(readBearerToken('')).toBeNull();
  });
});

describe('problemDetails', () => {
  function appThrowing(error: unknown, logger: ProblemLogger): Koa {
    const app = new Koa();
    app.use(problemDetails({ logger }));
    app.use(() => {
      throw error;
    });
    return app;
  }

  it('answers a Tessera error as problem+json, logging a 503 with its cause', async () => {
    const logged: string[] = [];
    const logger: ProblemLogger = { warn: (record, message) => logged.push(`warn ${message} ${record.path}`), error: () => undefined };
    const response = await request(appThrowing(new StoreUnavailableError(new Error('connect ECONNREFUSED')), logger).callback()).get('/x');
    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toEqual({
      type: 'urn:tessera:problem:store-unavailable',
      title: 'Session store unavailable',
      status: 503,
      detail: 'The session store is unavailable; try again shortly.',
      instance: '/x',
    });
    expect(logged).toEqual(['warn Session store unavailable /x']);
  });

  it('answers any other error 500 without its internals, and logs it', async () => {
    const logged: unknown[] = [];
    const logger: ProblemLogger = { warn: () => undefined, error: (record) => logged.push(record.err) };
    const secret = new Error('secret internals');
    const response = await request(appThrowing(secret, logger).callback()).get('/y');
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ type: 'urn:tessera:problem:internal', title: 'Internal error', status: 500, instance: '/y' });
    expect(logged).toEqual([expect.objectContaining({ message: 'secret internals', stack: secret.stack })]);
  });
});
