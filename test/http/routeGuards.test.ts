/**
 * Deny by default, proven from outside: every route the app serves names its guard, and every
 * guarded route, in every spelling a router or proxy might take for the same path, refuses a
 * caller without a session (and, for a role, a signed-in user without it), changing nothing.
 */
import { request } from 'node:http';
import type Koa from 'koa';
import { guardedRouter } from '../../src/http/guardedRouter';
import { publicRoute } from '../../src/middleware/access';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { keysWithPrefix } from '../support/redisInspect';
import { routeTable, type ServedRoute } from '../support/routeTable';
import { logIn, signUpAndLogIn, type TestService } from '../support/service';
import { useService } from '../support/serviceFixture';

const ADMIN = { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'admin-secret-2468' };

/** The routes anyone may call. A new public route is added here on purpose, or the guard test fails. */
const PUBLIC_ROUTES = [
  'GET /healthz',
  'GET /readyz',
  'GET /openapi.json',
  'POST /auth/register',
  'POST /auth/login',
  'POST /auth/refresh',
  'GET /',
  'GET /login',
  'POST /login',
  'GET /register',
  'POST /register',
  'POST /logout',
  // The browser renews a device-bound cookie when it has lapsed: a proof by the session's key is its credential.
  'POST /auth/dbsc/refresh',
  // EXAMPLE_APP=on only: the client SDK's example page and its scripts.
  'GET /example/*',
];

/**
 * Other spellings of `path` that some router, framework or proxy treats as the same resource:
 * case, doubled and trailing slashes, percent-encoded letters and slashes, dot segments.
 */
function spellingsOf(path: string): string[] {
  const segments = path.split('/').slice(1);
  const [first, ...rest] = segments;
  const restPath = rest.length ? `/${rest.join('/')}` : '';
  const encodeFirstLetter = (segment: string) => `%${segment.charCodeAt(0).toString(16)}${segment.slice(1)}`;
  const encodeFirstLetterUpper = (segment: string) => `%${segment.charCodeAt(0).toString(16).toUpperCase()}${segment.slice(1)}`;
  const spellings = [
    path.toUpperCase(),
    `/${first.toUpperCase()}${restPath}`,
    `/${first.replace(/^./, (c) => c.toUpperCase())}${restPath}`,
    `/${[...first].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('')}${restPath}`,
    `/${path}`,
    path.replace(/\//g, '//'),
    `${path}/`,
    `${path}//`,
    `/${encodeFirstLetter(first)}${restPath}`,
    `/${encodeFirstLetterUpper(first)}${restPath}`,
    `/./${first}${restPath}`,
    `/x/../${first}${restPath}`,
    `${path}/.`,
    `${path}/x/..`,
    `/${first};x${restPath}`,
    `${path}%20`,
    `${path}%00`,
  ];
  if (rest.length) {
    spellings.push(
      `/${first}%2F${rest.join('/')}`,
      `/${first}%2f${rest.join('/')}`,
      `/${first}/${encodeFirstLetter(rest[0])}${rest.length > 1 ? `/${rest.slice(1).join('/')}` : ''}`,
    );
    spellings.push(`/${first}/./${rest.join('/')}`, `/${first}//${rest.join('/')}`, `/${first}/${rest.join('/').toUpperCase()}`);
  }
  return [...new Set(spellings)].filter((spelling) => spelling !== path);
}

/** One request with the path sent exactly as written (fetch would normalise dot segments away). */
function send(service: TestService, method: string, path: string, token: string | null, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port: service.port,
        method,
        path,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const routeKey = (route: Pick<ServedRoute, 'method' | 'path'>) => `${route.method} ${route.path}`;

describe('route guards', () => {
  it('refuse to build a route that names no guard, or a guard for a whole prefix', () => {
    const router = guardedRouter({ prefix: '/admin' });
    const answer: Koa.Middleware = (ctx) => {
      ctx.body = 'ok';
    };
    expect(() => router.get('/users', answer)).toThrow('GET /users names no access');
    expect(() => router.use(async (_ctx, next) => next())).toThrow('takes no use()');
    expect(() => router.get('/health', publicRoute(), answer)).not.toThrow();
  });
});

describe.each([BACKENDS[0]])('every route of the service on $name Redis', (backend) => {
  const suite = useService(backend, {
    ...ADMIN,
    KEY_PREFIX: uniquePrefix(),
    COOKIE_TRANSPORT: 'on',
    COOKIE_SECURE: 'off',
    EXAMPLE_APP: 'on',
    RATE_LIMITS: 'off',
  });

  it('starts each chain with a guard, and only the listed routes are public', () => {
    const routes = routeTable(suite.service.app);
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.filter((route) => route.access === undefined).map(routeKey)).toEqual([]);
    const isListed = (key: string) => PUBLIC_ROUTES.some((listed) => (listed.endsWith('*') ? key.startsWith(listed.slice(0, -1)) : key === listed));
    const publicOnes = routes.filter((route) => route.access?.kind === 'public').map(routeKey);
    expect(publicOnes.filter((key) => !isListed(key))).toEqual([]);
    expect(
      routes
        .filter((route) => route.access?.kind !== 'public')
        .map(routeKey)
        .filter(isListed),
    ).toEqual([]);
    // Every admin route needs the admin role, not merely a session.
    const adminRoutes = routes.filter((route) => route.path.startsWith('/admin/') && !route.path.startsWith('/admin/do/'));
    expect(adminRoutes.length).toBeGreaterThan(5);
    expect(adminRoutes.filter((route) => route.access?.kind !== 'role').map(routeKey)).toEqual([]);
  });

  it('refuses every guarded route in every spelling, anonymously and to a user without the role, and changes nothing', async () => {
    const { service, redis, prefix } = suite;
    const admin = await logIn(service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const attacker = await signUpAndLogIn(service, 'mallory');
    const victim = await signUpAndLogIn(service, 'victim');
    const banned = await signUpAndLogIn(service, 'banned');
    expect((await service.call('POST', '/admin/blacklist', { token: admin.token, body: { userId: banned.body.user.id, reason: 'spam' } })).status).toBe(201);

    // Each route's parameters and body chosen so that, were the guard missing, the act would succeed
    // and show: the attacker granting themselves roles, banning or signing out the victim, and so on.
    const parameters: Record<string, string> = { id: attacker.body.user.id, userId: banned.body.user.id };
    const fill = (path: string) =>
      path
        .replace(/\/sessions\/:id/, `/sessions/${encodeURIComponent(victim.body.session.id)}`)
        .replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(parameters[name]));
    const bodies: Record<string, unknown> = {
      'PUT /admin/users/:id/roles': { roles: ['admin'] },
      'POST /admin/blacklist': { userId: victim.body.user.id, reason: 'taken over' },
      'POST /admin/throttles/clear': { username: 'victim' },
      'POST /auth/password': { currentPassword: 'correct horse battery', newPassword: 'a much longer new passphrase' },
      'POST /auth/introspect': { token: victim.token },
    };

    const snapshot = async () => ({
      keys: (await keysWithPrefix(redis, prefix)).filter((key) => !key.includes(':rl:')).sort(),
      attacker: ((await (await service.call('GET', '/auth/session', { token: attacker.token })).json()) as { user: unknown }).user,
      victim: (await service.call('GET', '/auth/session', { token: victim.token })).status,
      bans: await (await service.call('GET', '/admin/blacklist', { token: admin.token })).json(),
      trail: await (await service.call('GET', '/admin/audit?limit=100', { token: admin.token })).json(),
    });
    const before = await snapshot();

    const routes = routeTable(service.app).filter((route) => route.access?.kind !== 'public');
    const failures: string[] = [];
    let sent = 0;
    for (const route of routes) {
      const path = fill(route.path);
      const body = bodies[routeKey(route)] ?? (route.method === 'GET' || route.method === 'DELETE' ? undefined : {});
      const attempts: [string, string | null][] = [path, ...spellingsOf(path)].map((spelling) => [spelling, null]);
      // A signed-in user may call a signed-in route by its own spelling; any other spelling must not answer.
      const asUser = route.access?.kind === 'signed-in' ? spellingsOf(path) : [path, ...spellingsOf(path)];
      attempts.push(...asUser.map((spelling): [string, string] => [spelling, attacker.token]));
      for (const [spelling, token] of attempts) {
        const status = await send(service, route.method, spelling, token, body);
        sent += 1;
        if ((status >= 200 && status < 300) || status >= 500)
          failures.push(`${route.method} ${spelling} ${token ? 'as a user' : 'anonymously'} answered ${status}`);
      }
    }
    expect(sent).toBeGreaterThan(500);
    expect(failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
  }, 120_000);
});
