import http from 'node:http';
import path from 'node:path';
import { startCaddy } from '../support/caddy';
import { newDpopKey, provenLogIn } from '../support/dpop';
import { signUpAndLogIn } from '../support/service';
import { useGateway } from '../support/gateway';

const SHIPPED_CONFIG = path.resolve(__dirname, '../../deploy/caddy/Caddyfile');

interface Seen {
  method: string;
  path: string;
  body: string;
  /** Header names exactly as they arrived, with their values. */
  headers: [string, string][];
}

/** Every request the app behind Caddy received. */
const seenByApp: Seen[] = [];

/** The app behind Caddy: answers with what it received, and keeps a log of every request. */
const app: http.RequestListener = (req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    const headers: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
    const request = { method: req.method ?? '', path: req.url ?? '', body, headers };
    seenByApp.push(request);
    res.setHeader('content-type', 'application/json');
    res.setHeader('set-cookie', 'app-pref=1; Path=/');
    res.end(JSON.stringify(request));
  });
};

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
  X_Auth_User_Id: 'admin-id',
  x_auth_roles: 'admin',
  X_AUTH_USER_NAME: 'root',
  'X-Auth_Session_Id': 'forged-session',
  'X_Auth-Roles': 'admin',
  'X-AUTH-EXTRA': 'forged',
  'X-Auth-Actor-Id': 'admin-id',
};

describe('Caddy forward_auth in front of an app, with the shipped deploy/caddy/Caddyfile', () => {
  const suite = useGateway({
    config: SHIPPED_CONFIG,
    swaps: (ports) => [
      ['reverse_proxy tessera:3000 {', `reverse_proxy 127.0.0.1:${ports.tessera} {`],
      ['reverse_proxy app:8000', `reverse_proxy 127.0.0.1:${ports.app}`],
      [':8082 {', 'http://127.0.0.1:{{PORT}} {'],
    ],
    app,
    start: startCaddy,
  });

  it('lets a valid token through with the identity headers, and neither the token nor anything else of the kind', async () => {
    const { token, body } = await signUpAndLogIn(suite.service, 'caddy-gated');
    const through = await send(`${suite.gateway.url}/reports?x=1`, { Authorization: `Bearer ${token}` });
    expect(through.status).toBe(200);
    const seen = JSON.parse(through.text) as Seen;
    expect(seen.path).toBe('/reports?x=1');
    expect(identityHeaders(seen).sort()).toEqual([
      ['X-Auth-Actor-Id', ''],
      ['X-Auth-Roles', ''],
      ['X-Auth-Session-Id', body.session.id],
      ['X-Auth-User-Id', body.user.id],
      ['X-Auth-User-Name', 'caddy-gated'],
    ]);
    expect(seen.headers.filter(([name]) => /^(authorization|cookie)$/i.test(name))).toEqual([]);
  });

  it('passes roles on, and a request body to the app only', async () => {
    await suite.service.accounts.createAccount('caddy-editor', 'correct horse battery', ['editor', 'admin']);
    const { token } = await signUpAndLogIn(suite.service, 'caddy-editor');
    const answer = await send(`${suite.gateway.url}/upload`, { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' }, 'the payload');
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.text) as Seen;
    expect(seen).toMatchObject({ method: 'POST', body: 'the payload' });
    expect(identityHeaders(seen)).toContainEqual(['X-Auth-Roles', 'admin,editor']);
  });

  it('answers 401 without a token, or with a dead one, and never reaches the app', async () => {
    const before = seenByApp.length;
    const without = await send(`${suite.gateway.url}/reports`, {});
    expect(without.status).toBe(401);
    expect(without.headers['www-authenticate']).toBe('Bearer realm="tessera"');
    const forged = await send(`${suite.gateway.url}/reports`, { ...FORGED, Authorization: 'Bearer tess_forged' });
    expect(forged.status).toBe(401);
    expect(seenByApp.length).toBe(before);
  });

  it('never lets client-sent X-Auth-* or X_Auth_* headers reach the app, in any spelling', async () => {
    const { token, body } = await signUpAndLogIn(suite.service, 'caddy-honest');
    const answer = await send(`${suite.gateway.url}/`, { ...FORGED, Authorization: `Bearer ${token}` });
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.text) as Seen;
    expect(identityHeaders(seen).sort()).toEqual([
      ['X-Auth-Actor-Id', ''],
      ['X-Auth-Roles', ''],
      ['X-Auth-Session-Id', body.session.id],
      ['X-Auth-User-Id', body.user.id],
      ['X-Auth-User-Name', 'caddy-honest'],
    ]);
  });

  it('refuses the same token once it is logged out', async () => {
    const { token } = await signUpAndLogIn(suite.service, 'caddy-out');
    expect((await send(`${suite.gateway.url}/`, { Authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await suite.service.call('POST', '/auth/logout', { token })).status).toBe(204);
    expect((await send(`${suite.gateway.url}/`, { Authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('accepts the session cookie, keeps it from the app, and passes its slid Max-Age back to the browser', async () => {
    const { token, body } = await signUpAndLogIn(suite.service, 'caddy-cookie');
    for (const cookie of [`theme=dark; tessera=${token}; mytessera=1`, `tessera=${token}; theme=dark; mytessera=1`]) {
      const answer = await send(`${suite.gateway.url}/`, { Cookie: cookie });
      expect(answer.status).toBe(200);
      const seen = JSON.parse(answer.text) as Seen;
      expect(identityHeaders(seen)).toContainEqual(['X-Auth-User-Id', body.user.id]);
      expect(seen.headers.filter(([name]) => name.toLowerCase() === 'cookie')).toEqual([['Cookie', 'theme=dark; mytessera=1']]);
      expect(answer.headers['set-cookie']).toEqual([
        expect.stringMatching(/^tessera=tess_[0-9A-Za-z]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/),
        'app-pref=1; Path=/',
      ]);
    }
    const alone = JSON.parse((await send(`${suite.gateway.url}/`, { Cookie: `tessera=${token}` })).text) as Seen;
    expect(alone.headers.filter(([name]) => name.toLowerCase() === 'cookie')).toEqual([]);
  });

  it('keeps every Tessera cookie from the app, the refresh token and repeated ones included', async () => {
    const { token } = await signUpAndLogIn(suite.service, 'caddy-cookies');
    const refresh = 'tessr_0123456789abcdefghijklmnopqrstuvwxyz';
    const cookie = `tessera=${token}; theme=dark; tessera-refresh=${refresh}; __Host-tessera=${token}; tessera=${token}; mytessera=1; tessera-refresh=${refresh}`;
    const answer = await send(`${suite.gateway.url}/`, { Cookie: cookie });
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.text) as Seen;
    expect(seen.headers.filter(([name]) => name.toLowerCase() === 'cookie')).toEqual([['Cookie', 'theme=dark; mytessera=1']]);
  });

  it('passes no Set-Cookie of its own for a bearer token', async () => {
    const { token } = await signUpAndLogIn(suite.service, 'caddy-bearer-only');
    const answer = await send(`${suite.gateway.url}/`, { Authorization: `Bearer ${token}` });
    expect(answer.headers['set-cookie']).toEqual(['app-pref=1; Path=/']);
  });

  it("checks a DPoP-bound token's proof against the request Caddy forwards, once, and passes the proof to nobody else", async () => {
    const key = await newDpopKey();
    const login = await provenLogIn(suite.service, 'caddy-dpop', key);
    const url = `${suite.gateway.url}/reports`;
    const proof = await key.proof({ htm: 'GET', htu: url, token: login.token });
    const through = await send(`${url}?x=1`, { Authorization: `DPoP ${login.token}`, DPoP: proof });
    expect(through.status).toBe(200);
    const seen = JSON.parse(through.text) as Seen;
    expect(identityHeaders(seen)).toContainEqual(['X-Auth-User-Id', login.user.id]);
    expect(seen.headers.filter(([name]) => /^(authorization|dpop)$/i.test(name))).toEqual([]);

    const refused = [
      await send(url, { Authorization: `DPoP ${login.token}`, DPoP: proof }),
      await send(url, { Authorization: `Bearer ${login.token}` }),
      await send(`${suite.gateway.url}/admin`, { Authorization: `DPoP ${login.token}`, DPoP: await key.proof({ htm: 'GET', htu: url, token: login.token }) }),
      await send(url, { Authorization: `DPoP ${login.token}`, DPoP: await key.proof({ htm: 'POST', htu: url, token: login.token }) }),
      // A proof for another request, with the client's own claim of what the request was.
      await send(`${suite.gateway.url}/admin`, {
        Authorization: `DPoP ${login.token}`,
        DPoP: await key.proof({ htm: 'GET', htu: url, token: login.token }),
        'X-Original-Method': 'GET',
        'X-Original-URI': '/reports',
      }),
    ];
    expect(refused.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401]);
    expect((await send(url, { Authorization: `DPoP ${login.token}`, DPoP: await key.proof({ htm: 'GET', htu: url, token: login.token }) })).status).toBe(200);
  });
});
