/**
 * The auth routes Tessera ships for library users, as the fetch-standard handler and as Koa
 * middleware, against a real Redis: the client SDK logs in, refreshes and logs out through them
 * with the service's paths and shapes; bad input gets the service's problems; CORS as configured.
 */
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import request from 'supertest';
import type { Cluster, Redis } from 'ioredis';
import { createTesseraClient, memoryStorage, type SessionEndedReason } from 'tessera-sessions/client';
import {
  authFetchHandler,
  authRoutes,
  createTessera,
  problemDetails,
  TesseraArgumentError,
  type AuthRoutesOptions,
  type ProblemLogger,
  type SessionService,
} from '../../src';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseToken } from '../../src/tokens/token';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { sessionKeyOf } from '../support/keys';

const USERS = new Map([
  ['ada', { id: 'user-ada', password: 'analytical engine' }],
  ['gone', { id: 'user-gone', password: 'soon deleted' }],
]);
const deleted = new Set<string>();

const options: AuthRoutesOptions = {
  checkPassword: (username, password) => {
    const user = USERS.get(username);
    return user && user.password === password ? user.id : null;
  },
  describeUser: (user) => {
    if (deleted.has(user.id)) return null;
    const name = [...USERS].find(([, known]) => known.id === user.id)?.[0] ?? null;
    return { username: name, displayName: name?.toUpperCase() ?? null };
  },
};

/** Logs into a list, so a test can tell what was logged. */
function recordingLogger(): ProblemLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    warn: (record, message) => lines.push(`warn ${message} ${record.path}`),
    error: (record, message) => lines.push(`error ${message} ${record.path}`),
  };
}

describe('the auth routes for library users', () => {
  let redis: Redis | Cluster;
  let tessera: SessionService;
  let handler: (request: Request) => Promise<Response>;
  const logger = recordingLogger();

  beforeAll(async () => {
    redis = await BACKENDS[0].connect();
    tessera = createTessera(redis, { keyPrefix: uniquePrefix() });
    await tessera.setRoles('user-ada', ['editor']);
    handler = authFetchHandler(tessera, { ...options, logger, cors: { origins: ['https://app.example.com'] } });
  });
  afterAll(() => redis.quit());

  const call = (path: string, init: RequestInit = {}) => handler(new Request(`http://tessera.test${path}`, init));
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  /** The client SDK, its every request sent to the handler and counted. */
  function client(onSessionEnded?: (reason: SessionEndedReason) => void) {
    const sent: string[] = [];
    const storage = memoryStorage();
    const sdk = createTesseraClient({
      baseUrl: 'http://tessera.test',
      storage,
      onSessionEnded,
      fetch: async (input, init) => {
        const req = new Request(input, init);
        sent.push(`${req.method} ${new URL(req.url).pathname}`);
        return handler(req);
      },
    });
    return { sdk, sent, storage };
  }

  it('serves the client SDK: login, session, one refresh for ten refused calls, logout', async () => {
    const { sdk, sent, storage } = client();
    const signedIn = await sdk.login({ username: 'ada', password: 'analytical engine', remember: true, device: { type: 'web', name: 'Firefox' } });
    expect(signedIn.user).toEqual({ id: 'user-ada', username: 'ada', displayName: 'ADA', roles: ['editor'] });
    expect(signedIn.session).toMatchObject({ userId: 'user-ada', device: { type: 'web', name: 'Firefox' } });
    const first = (await storage.get())!;
    expect(first.refreshToken).toMatch(/\S/);

    expect(await sdk.session()).toMatchObject({ user: { id: 'user-ada', roles: ['editor'] } });
    // The session lapses, its refresh family lives on: ten calls refused together, one refresh.
    expect(await redis.del(sessionKeyOf(tessera.options.keyPrefix, parseToken(first.token)!.sessionId))).toBe(1);
    const answers = await Promise.all(Array.from({ length: 10 }, () => sdk.fetch('/auth/session')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect(sent.filter((line) => line === 'POST /auth/refresh')).toHaveLength(1);
    expect((await storage.get())!.token).not.toBe(first.token);

    await sdk.logout();
    expect(await storage.get()).toBeNull();
    expect((await call('/auth/session', { headers: { Authorization: `Bearer ${first.token}` } })).status).toBe(401);
  });

  it('answers login and refresh with the service’s shapes, and ends a login whose refresh token is spent twice', async () => {
    const login = await post('/auth/login', { username: 'ada', password: 'analytical engine', remember: true });
    expect([login.status, login.headers.get('cache-control'), login.headers.get('content-type')]).toEqual([200, 'no-store', 'application/json']);
    const body = (await login.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['absoluteExpiresAt', 'expiresAt', 'refreshExpiresAt', 'refreshToken', 'session', 'token', 'tokenType', 'user']);
    expect(body.tokenType).toBe('Bearer');
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());

    const refreshed = await post('/auth/refresh', { refreshToken: body.refreshToken });
    expect(Object.keys((await refreshed.json()) as object).sort()).toEqual(Object.keys(body).sort());
    // Past the reuse grace window the same token is a theft signal: the whole login ends.
    const reuser = createTessera(redis, { keyPrefix: tessera.options.keyPrefix, refreshReuseGraceSeconds: 0.001 });
    const strictHandler = authFetchHandler(reuser, options);
    await sleep(20);
    const again = await strictHandler(
      new Request('http://tessera.test/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refreshToken: body.refreshToken }),
      }),
    );
    expect([again.status, ((await again.json()) as { type: string }).type]).toEqual([401, 'urn:tessera:problem:refresh-token-reused']);
  });

  it('refuses wrong credentials, bad bodies and wrong methods with the service’s problems', async () => {
    const problem = async (response: Response) => [response.status, ((await response.json()) as { type: string }).type];
    expect(await problem(await post('/auth/login', { username: 'ada', password: 'difference engine' }))).toEqual([
      401,
      'urn:tessera:problem:invalid-credentials',
    ]);
    expect(await problem(await post('/auth/login', { username: 'nobody', password: 'x' }))).toEqual([401, 'urn:tessera:problem:invalid-credentials']);
    expect(await problem(await post('/auth/login', '{"username": "ada",'))).toEqual([400, 'urn:tessera:problem:malformed-json']);
    const notUtf8 = await call('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    });
    expect(await problem(notUtf8)).toEqual([400, 'urn:tessera:problem:malformed-json']);
    const fields = await post('/auth/login', { username: 'ada', remember: 'yes', extra: 1 });
    expect(await fields.json()).toMatchObject({ status: 400, type: 'urn:tessera:problem:invalid-request', errors: [{ field: 'extra' }] });
    const values = await post('/auth/login', { username: 'ada', remember: 'yes', device: { type: 'a phone' } });
    expect(((await values.json()) as { errors: { field: string }[] }).errors.map((error) => error.field)).toEqual(['password', 'remember', 'device.type']);
    expect(await problem(await call('/auth/login', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'username=ada' }))).toEqual([
      415,
      'urn:tessera:problem:unsupported-media-type',
    ]);
    expect(await problem(await post('/auth/login', { username: 'ada', password: 'x'.repeat(20_000) }))).toEqual([413, 'urn:tessera:problem:payload-too-large']);
    expect(await problem(await post('/auth/refresh', {}))).toEqual([400, 'urn:tessera:problem:invalid-request']);
    expect(await problem(await post('/auth/refresh', { refreshToken: 'rt_nothing' }))).toEqual([401, 'urn:tessera:problem:invalid-refresh-token']);
    const wrongMethod = await call('/auth/login');
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
    expect(await problem(await call('/auth/elsewhere'))).toEqual([404, 'urn:tessera:problem:not-found']);
    const anonymous = await post('/auth/logout', {});
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="tessera"']);
    // Expected refusals are not faults: nothing was logged.
    expect(logger.lines).toEqual([]);
  });

  it('ends the sessions of a user the app no longer describes', async () => {
    const ended: SessionEndedReason[] = [];
    const { sdk } = client((reason) => ended.push(reason));
    await sdk.login({ username: 'gone', password: 'soon deleted', remember: true });
    deleted.add('user-gone');
    try {
      // The session check ends the session, and the refresh it sets off ends the login.
      expect(await sdk.session()).toBeNull();
      expect(ended).toEqual(['refresh-refused']);
      const login = await post('/auth/login', { username: 'gone', password: 'soon deleted' });
      expect(login.status).toBe(401);
      expect((await tessera.list('user-gone')).total).toBe(0);
    } finally {
      deleted.delete('user-gone');
    }
  });

  it('logs out everywhere', async () => {
    const tokens = await Promise.all(
      [1, 2].map(async () => ((await (await post('/auth/login', { username: 'ada', password: 'analytical engine' })).json()) as { token: string }).token),
    );
    expect((await post('/auth/logout-all', {}, { Authorization: `Bearer ${tokens[0]}` })).status).toBe(204);
    for (const token of tokens) expect((await call('/auth/session', { headers: { Authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('answers CORS for its listed origin only, on preflights, answers and problems alike', async () => {
    const preflight = await call('/auth/login', { method: 'OPTIONS', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' } });
    expect([preflight.status, preflight.headers.get('access-control-allow-origin'), preflight.headers.get('vary')]).toEqual([
      204,
      'https://app.example.com',
      'Origin',
    ]);
    const refused = await post('/auth/login', { username: 'ada', password: 'wrong' }, { Origin: 'https://app.example.com' });
    expect([refused.status, refused.headers.get('access-control-allow-origin')]).toEqual([401, 'https://app.example.com']);
    for (const origin of ['https://app.example.com.evil.test', 'https://evil-app.example.com', 'http://app.example.com', 'https://app.example.com:444']) {
      const other = await call('/auth/login', { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });
      expect([origin, other.headers.get('access-control-allow-origin'), other.status]).toEqual([origin, null, 405]);
    }
    expect(() => authFetchHandler(tessera, { ...options, cors: { origins: ['https://app.example.com/'] } })).toThrow(TesseraArgumentError);
  });

  it('refuses to be set up without the app’s two functions or with a bad prefix', () => {
    expect(() => authFetchHandler(tessera, {} as AuthRoutesOptions)).toThrow(/checkPassword\(username, password\) and describeUser\(user\)/);
    expect(() => authFetchHandler(tessera, { ...options, prefix: '/auth/' })).toThrow(/without a trailing slash/);
  });

  describe('as Koa middleware', () => {
    const koaApp = (parseBodies: boolean, prefix?: string) => {
      const app = new Koa();
      app.silent = true;
      app.use(problemDetails({ logger }));
      if (parseBodies) app.use(bodyParser());
      app.use(authRoutes(tessera, { ...options, prefix }));
      app.use((ctx) => {
        ctx.body = { passedOn: ctx.path };
      });
      return app.callback();
    };

    it.each([
      ['with a body parser before it', true],
      ['reading the body itself', false],
    ])('logs in, answers the session and logs out %s, and passes other paths on', async (_title, parseBodies) => {
      const app = koaApp(parseBodies, '/api/auth');
      const login = await request(app).post('/api/auth/login').send({ username: 'ada', password: 'analytical engine' });
      expect([login.status, login.body.user]).toEqual([200, { id: 'user-ada', username: 'ada', displayName: 'ADA', roles: ['editor'] }]);
      const session = await request(app).get('/api/auth/session').set('Authorization', `Bearer ${login.body.token}`);
      expect([session.status, session.body.session.id]).toEqual([200, login.body.session.id]);
      expect(Date.parse(session.headers['session-expires'])).toBeGreaterThan(Date.now());
      const malformed = await request(app).post('/api/auth/login').set('Content-Type', 'application/json').send('{"username":');
      // A body parser before the routes reports its own failure, which problemDetails() answers 400.
      expect([malformed.status, malformed.body.type]).toEqual([
        400,
        parseBodies ? 'urn:tessera:problem:invalid-request' : 'urn:tessera:problem:malformed-json',
      ]);
      expect((await request(app).post('/api/auth/logout').set('Authorization', `Bearer ${login.body.token}`)).status).toBe(204);
      expect((await request(app).get('/auth/session')).body).toEqual({ passedOn: '/auth/session' });
    });
  });
});
