import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { startCaddy, type CaddyProcess } from '../support/caddy';
import { signUpAndLogIn, startTestService, type TestService } from '../support/service';

const SHIPPED_CONFIG = path.resolve(__dirname, '../../deploy/caddy/Caddyfile');

interface Seen {
  method: string;
  path: string;
  body: string;
  /** Header names exactly as they arrived, with their values. */
  headers: [string, string][];
}

/** The app behind Caddy: answers with what it received, and keeps a log of every request. */
async function startUpstream(): Promise<{ server: http.Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const headers: [string, string][] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
      const request = { method: req.method ?? '', path: req.url ?? '', body, headers };
      seen.push(request);
      res.setHeader('content-type', 'application/json');
      res.setHeader('set-cookie', 'app-pref=1; Path=/');
      res.end(JSON.stringify(request));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

/** node:http rather than fetch, which would lower-case header names: the spelling is the point. */
function send(url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: body === undefined ? 'GET' : 'POST', headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Every header whose name, read with "_" as "-" in any case, starts with X-Auth-. */
function identityHeaders(seen: Seen): [string, string][] {
  return seen.headers.filter(([name]) => /^x[-_]auth[-_]/i.test(name));
}

const FORGED = {
  'X-Auth-User-Id': 'admin-id',
  'X_Auth_User_Id': 'admin-id',
  'x_auth_roles': 'admin',
  'X_AUTH_USER_NAME': 'root',
  'X-Auth_Session_Id': 'forged-session',
  'X_Auth-Roles': 'admin',
  'X-AUTH-EXTRA': 'forged',
};

describe('Caddy forward_auth in front of an app, with the shipped deploy/caddy/Caddyfile', () => {
  let redis: Redis;
  let service: TestService;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let caddy: CaddyProcess;

  beforeAll(async () => {
    redis = (await BACKENDS[0].connect()) as Redis;
    service = await startTestService(redis, { KEY_PREFIX: uniquePrefix(), COOKIE_TRANSPORT: 'on', COOKIE_SECURE: 'off' }); // HOST is 127.0.0.1
    upstream = await startUpstream();
    const site = readFileSync(SHIPPED_CONFIG, 'utf8')
      .replace('reverse_proxy tessera:3000 {', `reverse_proxy 127.0.0.1:${service.port} {`)
      .replace('reverse_proxy app:8000', `reverse_proxy 127.0.0.1:${upstream.port}`)
      .replace(':8082 {', 'http://127.0.0.1:{{PORT}} {');
    expect(site).toContain(`127.0.0.1:${service.port}`);
    expect(site).toContain(`127.0.0.1:${upstream.port}`);
    expect(site).toContain('{{PORT}}');
    caddy = await startCaddy(site);
  });
  afterAll(async () => {
    await caddy?.stop();
    await new Promise((resolve) => upstream?.server.close(resolve));
    await service?.close();
    await redis?.quit();
  });

  it('lets a valid token through with the identity headers, and neither the token nor anything else of the kind', async () => {
    const { token, body } = await signUpAndLogIn(service, 'caddy-gated');
    const through = await send(`${caddy.url}/reports?x=1`, { Authorization: `Bearer ${token}` });
    expect(through.status).toBe(200);
    const seen = JSON.parse(through.text) as Seen;
    expect(seen.path).toBe('/reports?x=1');
    expect(identityHeaders(seen).sort()).toEqual([
      ['X-Auth-Roles', ''],
      ['X-Auth-Session-Id', body.session.id],
      ['X-Auth-User-Id', body.user.id],
      ['X-Auth-User-Name', 'caddy-gated'],
    ]);
    expect(seen.headers.filter(([name]) => /^(authorization|cookie)$/i.test(name))).toEqual([]);
  });

  it('passes roles on, and a request body to the app only', async () => {
    await service.accounts.createAccount('caddy-editor', 'correct horse battery', ['editor', 'admin']);
    const { token } = await signUpAndLogIn(service, 'caddy-editor');
    const answer = await send(`${caddy.url}/upload`, { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' }, 'the payload');
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.text) as Seen;
    expect(seen).toMatchObject({ method: 'POST', body: 'the payload' });
    expect(identityHeaders(seen)).toContainEqual(['X-Auth-Roles', 'admin,editor']);
  });

  it('answers 401 without a token, or with a dead one, and never reaches the app', async () => {
    const before = upstream.seen.length;
    const without = await send(`${caddy.url}/reports`, {});
    expect(without.status).toBe(401);
    expect(without.headers['www-authenticate']).toBe('Bearer realm="tessera"');
    const forged = await send(`${caddy.url}/reports`, { ...FORGED, Authorization: 'Bearer tess_forged' });
    expect(forged.status).toBe(401);
    expect(upstream.seen.length).toBe(before);
  });

  it('never lets client-sent X-Auth-* or X_Auth_* headers reach the app, in any spelling', async () => {
    const { token, body } = await signUpAndLogIn(service, 'caddy-honest');
    const answer = await send(`${caddy.url}/`, { ...FORGED, Authorization: `Bearer ${token}` });
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.text) as Seen;
    expect(identityHeaders(seen).sort()).toEqual([
      ['X-Auth-Roles', ''],
      ['X-Auth-Session-Id', body.session.id],
      ['X-Auth-User-Id', body.user.id],
      ['X-Auth-User-Name', 'caddy-honest'],
    ]);
  });

  it('refuses the same token once it is logged out', async () => {
    const { token } = await signUpAndLogIn(service, 'caddy-out');
    expect((await send(`${caddy.url}/`, { Authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await service.call('POST', '/auth/logout', { token })).status).toBe(204);
    expect((await send(`${caddy.url}/`, { Authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('accepts the session cookie, keeps it from the app, and passes its slid Max-Age back to the browser', async () => {
    const { token, body } = await signUpAndLogIn(service, 'caddy-cookie');
    for (const cookie of [`theme=dark; tessera=${token}; mytessera=1`, `tessera=${token}; theme=dark; mytessera=1`]) {
      const answer = await send(`${caddy.url}/`, { Cookie: cookie });
      expect(answer.status).toBe(200);
      const seen = JSON.parse(answer.text) as Seen;
      expect(identityHeaders(seen)).toContainEqual(['X-Auth-User-Id', body.user.id]);
      expect(seen.headers.filter(([name]) => name.toLowerCase() === 'cookie')).toEqual([['Cookie', 'theme=dark; mytessera=1']]);
      expect(answer.headers['set-cookie']).toEqual([expect.stringMatching(/^tessera=tess_[0-9A-Za-z]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/), 'app-pref=1; Path=/']);
    }
    const alone = JSON.parse((await send(`${caddy.url}/`, { Cookie: `tessera=${token}` })).text) as Seen;
    expect(alone.headers.filter(([name]) => name.toLowerCase() === 'cookie')).toEqual([]);
  });

  it('passes no Set-Cookie of its own for a bearer token', async () => {
    const { token } = await signUpAndLogIn(service, 'caddy-bearer-only');
    const answer = await send(`${caddy.url}/`, { Authorization: `Bearer ${token}` });
    expect(answer.headers['set-cookie']).toEqual(['app-pref=1; Path=/']);
  });
});
