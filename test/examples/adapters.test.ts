/**
 * The Express and Hono examples, each run as its own process (through tsx, as the README says)
 * against the shared Redis: they log in through the auth routes Tessera ships, guard routes with
 * the adapters, answer errors as problem+json, speak CORS only to the origin they list, and the
 * client SDK refreshes once for ten requests that fail together.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { createTesseraClient, memoryStorage, type SignedIn } from 'tessera-sessions/client';
import { REPO_ROOT } from '../../src/paths';
import { parseToken } from '../../src/tokens/token';
import { sessionKeyOf } from '../support/keys';
import { killProcessGroup } from '../support/processGroup';
import { freePort } from '../support/redisServer';

const PASSWORD = 'correct horse battery staple';
const LISTED = 'http://app.example.test:8080';
/** The examples keep Tessera's default key prefix. */
const PREFIX = 'tessera';

interface RunningExample {
  url: string;
  child: ChildProcess;
  output(): string;
}

async function startExample(file: string): Promise<RunningExample> {
  const port = await freePort();
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), file], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      REDIS_URL: `redis://127.0.0.1:${process.env.TESSERA_TEST_REDIS_PORT}`,
      EXAMPLE_PASSWORD: PASSWORD,
      CORS_ORIGINS: LISTED,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const listening = () => /listening on http:\/\/localhost:\d+/.test(output) && resolve();
    child.stdout!.on('data', listening);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}: ${output}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child, output: () => output };
}

describe.each([
  ['Express', 'examples/express.ts'],
  ['Hono', 'examples/hono.ts'],
])('the %s example', (_name, file) => {
  let example: RunningExample;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(Number(process.env.TESSERA_TEST_REDIS_PORT), '127.0.0.1');
    example = await startExample(file);
  }, 30_000);
  afterAll(async () => {
    if (example) killProcessGroup(example.child);
    await redis?.quit();
  });

  const logIn = async (remember = false) => {
    const response = await fetch(`${example.url}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'ada', password: PASSWORD, remember }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { token: string; refreshToken?: string; user: unknown; session: { id: string } };
  };

  it('logs in through the shipped auth routes, lets the token in and slides it, and refuses without one', async () => {
    const wrong = await fetch(`${example.url}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'ada', password: 'not it' }),
    });
    expect([wrong.status, ((await wrong.json()) as { type: string }).type]).toEqual([401, 'urn:tessera:problem:invalid-credentials']);

    const malformed = await fetch(`${example.url}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"username": "ada",',
    });
    expect([malformed.status, ((await malformed.json()) as { type: string }).type]).toEqual([400, 'urn:tessera:problem:malformed-json']);

    const login = await logIn();
    expect(login.token).toMatch(/^tess_/);
    expect(login.user).toEqual({ id: 'user-1', username: 'ada', roles: [] });
    const auth = { Authorization: `Bearer ${login.token}` };
    const me = await fetch(`${example.url}/me`, { headers: auth });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: string }).id).toBe('user-1');
    expect(Date.parse(me.headers.get('session-expires') ?? '')).toBeGreaterThan(Date.now());
    const session = await fetch(`${example.url}/auth/session`, { headers: auth });
    expect(((await session.json()) as SignedIn).user).toEqual({ id: 'user-1', username: 'ada', roles: [] });

    const admin = await fetch(`${example.url}/admin`, { headers: auth });
    expect([admin.status, ((await admin.json()) as { type: string }).type]).toEqual([403, 'urn:tessera:problem:forbidden']);
    const none = await fetch(`${example.url}/me`);
    expect([none.status, none.headers.get('content-type'), none.headers.get('www-authenticate')]).toEqual([
      401,
      expect.stringMatching(/^application\/problem\+json/),
      'Bearer realm="tessera"',
    ]);

    expect((await fetch(`${example.url}/auth/logout`, { method: 'POST', headers: auth })).status).toBe(204);
    const afterLogout = await fetch(`${example.url}/me`, { headers: auth });
    expect([afterLogout.status, ((await afterLogout.json()) as { type: string }).type]).toEqual([401, 'urn:tessera:problem:invalid-token']);
  });

  it('lets the client SDK refresh once for ten concurrent calls after the session lapsed', async () => {
    const sent: string[] = [];
    const storage = memoryStorage();
    const client = createTesseraClient({
      baseUrl: example.url,
      storage,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        sent.push(`${request.method} ${new URL(request.url).pathname}`);
        return fetch(request);
      },
    });
    await client.login({ username: 'ada', password: PASSWORD, remember: true });
    const before = (await storage.get())!;
    // The session lapses; its refresh token lives on.
    expect(await redis.del(sessionKeyOf(PREFIX, parseToken(before.token)!.sessionId))).toBe(1);
    const answers = await Promise.all(Array.from({ length: 10 }, () => client.fetch('/me')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect(sent.filter((line) => line === 'POST /auth/refresh')).toHaveLength(1);
    expect((await storage.get())!.token).not.toBe(before.token);
    await client.logoutAll();
    expect(await client.session()).toBeNull();
  });

  it('answers a plain Error in a route with a logged problem+json 500 that keeps its message to the log', async () => {
    const answer = await fetch(`${example.url}/fails`);
    expect([answer.status, answer.headers.get('content-type')]).toEqual([500, expect.stringMatching(/^application\/problem\+json/)]);
    const body = await answer.text();
    expect(JSON.parse(body)).toMatchObject({ type: 'urn:tessera:problem:internal', status: 500, instance: '/fails' });
    expect(body).not.toContain('something broke');
    expect(example.output()).toMatch(/unhandled error \(\/fails\): Error: something broke in this route/);
  });

  it('speaks CORS to its listed origin only, on every route and error, and never to a look-alike', async () => {
    const preflight = (origin: string) =>
      fetch(`${example.url}/auth/login`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
      });
    const listed = await preflight(LISTED);
    expect(listed.status).toBe(204);
    expect(listed.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(listed.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(listed.headers.get('access-control-allow-credentials')).toBeNull();
    const { token } = await logIn();
    for (const path of ['/me', '/fails', '/auth/session']) {
      const answer = await fetch(example.url + path, { headers: { Origin: LISTED, Authorization: `Bearer ${token}` } });
      expect([path, answer.headers.get('access-control-allow-origin'), answer.headers.get('vary')]).toEqual([path, LISTED, 'Origin']);
      expect(answer.headers.get('access-control-expose-headers')).toContain('Session-Expires');
    }
    for (const other of [
      'http://app.example.test:8081',
      'http://app.example.test:8080.evil.test',
      'https://app.example.test:8080',
      'http://evil-app.example.test:8080',
    ]) {
      expect((await preflight(other)).headers.get('access-control-allow-origin')).toBeNull();
      const answer = await fetch(`${example.url}/me`, { headers: { Origin: other, Authorization: `Bearer ${token}` } });
      expect([other, answer.status, answer.headers.get('access-control-allow-origin'), answer.headers.get('vary')]).toEqual([other, 200, null, 'Origin']);
    }
  });
});
