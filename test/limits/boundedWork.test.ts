import { connect, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { gzipSync } from 'node:zlib';
import { ServerBusyError } from '../../src/errors';
import { connectionsCheckingIntervalMs, DEFAULT_HTTP_LIMITS } from '../../src/limits/httpLimits';
import { PasswordHasher } from '../../src/passwords/passwordHasher';
import { BACKENDS } from '../support/backends';
import { logIn, signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';

interface SessionsBody {
  sessions: { id: string; current?: boolean }[];
  total: number;
  nextCursor: string | null;
}

describe.each(BACKENDS)('bounded work on $name Redis', (backend) => {
  const suite = useService(backend, { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'correct horse battery' });

  it('keeps a user to the default cap of 100 sessions, and pages their list', async () => {
    const first = await signUpAndLogIn(suite.service, 'collector');
    let token = first.token;
    for (let i = 0; i < 104; i++) token = (await logIn(suite.service, 'collector')).token;
    const all = (await (await suite.service.call('GET', '/auth/sessions', { token })).json()) as SessionsBody;
    expect(all.total).toBe(100);
    expect(all.sessions).toHaveLength(100);
    expect(all.nextCursor).toBeNull();
    expect((await suite.service.call('GET', '/auth/session', { token: first.token })).status).toBe(401);

    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const query: string = cursor ? `?limit=30&cursor=${cursor}` : '?limit=30';
      const page = (await (await suite.service.call('GET', `/auth/sessions${query}`, { token })).json()) as SessionsBody;
      seen.push(...page.sessions.map((s) => s.id));
      cursor = page.nextCursor;
      pages++;
    }
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(100);
    expect((await suite.service.call('GET', '/auth/sessions?limit=101', { token })).status).toBe(400);
  });

  it('pages the admin API’s session list', async () => {
    const { body } = await signUpAndLogIn(suite.service, 'watched');
    for (let i = 0; i < 4; i++) await logIn(suite.service, 'watched');
    const admin = await logIn(suite.service, 'root');
    const page = await suite.service.call('GET', `/admin/users/${body.user.id}/sessions?limit=2`, { token: admin.token });
    expect(await page.json()).toMatchObject({ total: 5, sessions: [{}, {}], nextCursor: expect.any(String) });
    const user = await suite.service.call('GET', `/admin/users/${body.user.id}`, { token: admin.token });
    expect(await user.json()).toMatchObject({ user: { sessionCount: 5 } });
  });

  it('answers 400, never 500, to a body that is not what its Content-Encoding says', async () => {
    const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
    const broken = await suite.service.call('POST', '/auth/login', { body: 'this is not gzip', headers });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ type: 'urn:tessera:problem:invalid-request' });
    const unknown = await suite.service.call('POST', '/auth/login', { body: '{}', headers: { ...headers, 'content-encoding': 'compress' } });
    expect(unknown.status).toBe(415);
    // A body that is what it says is read as usual.
    const real = await fetch(`${suite.service.url}/auth/login`, {
      method: 'POST',
      headers,
      body: gzipSync(JSON.stringify({ username: 'watched', password: 'correct horse battery' })),
    });
    expect(real.status).toBe(200);
  });
});

describe('the HTTP server’s own limits', () => {
  const suite = useService(BACKENDS[0], { MAX_CONNECTIONS: '1' });

  it('times out slow headers and bodies and idle connections instead of Node’s five minutes', () => {
    expect(suite.service.server.headersTimeout).toBe(DEFAULT_HTTP_LIMITS.headersTimeoutMs);
    expect(suite.service.server.requestTimeout).toBe(DEFAULT_HTTP_LIMITS.requestTimeoutMs);
    expect(suite.service.server.keepAliveTimeout).toBe(DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs);
    expect(DEFAULT_HTTP_LIMITS.requestTimeoutMs).toBeLessThanOrEqual(60_000);
  });

  it('drops connections beyond MAX_CONNECTIONS', async () => {
    const open = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const socket = connect(suite.service.port, '127.0.0.1', () => resolve(socket));
        socket.once('error', reject);
      });
    const answer = (socket: Socket): Promise<string> =>
      new Promise((resolve) => {
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk.toString();
          if (text.includes('\r\n\r\n')) resolve(text);
        });
        socket.on('close', () => resolve(text));
        socket.on('error', () => resolve(text));
        socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
      });
    const first = await open();
    expect(await answer(first)).toMatch(/^HTTP\/1\.1 200/);
    const second = await open();
    expect(await answer(second)).toBe('');
    first.destroy();
    second.destroy();
  });
});

describe('the HTTP server’s timeouts, shortened by configuration', () => {
  const suite = useService(BACKENDS[0], { HEADERS_TIMEOUT: '1s', REQUEST_TIMEOUT: '2s' });

  /** Writes `request` and never finishes it; answers what the server sent before it closed the connection. */
  const unfinished = (request: string): Promise<string> =>
    new Promise((resolve, reject) => {
      let text = '';
      const socket = connect(suite.service.port, '127.0.0.1', () => socket.write(request));
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      // Node's own sweep came every 30 s: a connection still open at 10 s was not timed out as configured.
      setTimeout(() => {
        socket.destroy();
        reject(new Error('the connection was still open after 10 s'));
      }, 10_000).unref();
    });

  it('sweeps often enough for each timeout to fire near its configured time, not at Node’s 30 s sweep', async () => {
    expect(connectionsCheckingIntervalMs(DEFAULT_HTTP_LIMITS)).toBe(1000);
    expect(connectionsCheckingIntervalMs({ headersTimeoutMs: 1000, requestTimeoutMs: 2000 })).toBe(100);
  });

  it('closes a connection whose headers never end with 408', async () => {
    expect(await unfinished('GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1\r\n')).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection whose body never ends with 408', async () => {
    const answer = await unfinished('POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('the password-checking queue', () => {
  it('refuses work beyond its bound with ServerBusyError, at once', async () => {
    const hasher = new PasswordHasher(10, {}, 1);
    try {
      const hash = await hasher.hash('correct horse battery');
      const results = await Promise.allSettled(Array.from({ length: 12 }, () => hasher.verify('correct horse battery', hash)));
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused.every((r) => (r as PromiseRejectedResult).reason instanceof ServerBusyError)).toBe(true);
      // Only the tasks the workers took at once and one queued one ran; the rest were refused.
      expect(refused.length).toBeGreaterThanOrEqual(12 - 1 - Math.max(1, availableParallelism()));
      expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
    } finally {
      await hasher.close();
    }
  });
});
