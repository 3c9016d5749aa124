import type { RequestListener } from 'node:http';
import path from 'node:path';
import { newDpopKey, provenLogIn } from '../support/dpop';
import { startNginx } from '../support/nginx';
import { signUpAndLogIn } from '../support/service';
import { useGateway } from '../support/gateway';

const SHIPPED_CONFIG = path.resolve(__dirname, '../../deploy/nginx/auth-request.conf');

/** The app behind nginx: answers with the identity headers it received. */
const app: RequestListener = (req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      path: req.url,
      userId: req.headers['x-auth-user-id'] ?? null,
      sessionId: req.headers['x-auth-session-id'] ?? null,
      roles: req.headers['x-auth-roles'] ?? null,
      userName: req.headers['x-auth-user-name'] ?? null,
      actorId: req.headers['x-auth-actor-id'] ?? null,
      authorization: req.headers.authorization ?? null,
      cookie: req.headers.cookie ?? null,
      underscored: req.rawHeaders.filter((name, i) => i % 2 === 0 && name.includes('_')),
    }),
  );
};

describe('nginx auth_request in front of an app, with the shipped deploy/nginx/auth-request.conf', () => {
  const suite = useGateway({
    config: SHIPPED_CONFIG,
    swaps: (ports) => [
      ['server tessera:3000;', `server 127.0.0.1:${ports.tessera};`],
      ['server app:8000;', `server 127.0.0.1:${ports.app};`],
      ['listen 8081;', 'listen 127.0.0.1:{{PORT}};'],
    ],
    app,
    start: startNginx,
  });

  it('lets a valid token through to the app with X-Auth-User-Id set, and nothing else', async () => {
    const { token, body } = await signUpAndLogIn(suite.service, 'gated');
    // An identity header the client sends itself is overwritten, or dropped when verify's is empty.
    const through = await fetch(`${suite.gateway.url}/reports?x=1`, { headers: { authorization: `Bearer ${token}`, 'x-auth-actor-id': 'admin-id' } });
    expect(through.status).toBe(200);
    expect(await through.json()).toEqual({
      path: '/reports?x=1',
      userId: body.user.id,
      sessionId: body.session.id,
      roles: null,
      userName: 'gated',
      actorId: null,
      authorization: null,
      cookie: null,
      underscored: [],
    });

    const without = await fetch(`${suite.gateway.url}/reports`);
    expect(without.status).toBe(401);
    const forged = await fetch(`${suite.gateway.url}/reports`, { headers: { 'x-auth-user-id': body.user.id, authorization: 'Bearer tess_forged' } });
    expect(forged.status).toBe(401);
  });

  it('refuses the same token once it is logged out', async () => {
    const { token } = await signUpAndLogIn(suite.service, 'gated-out');
    expect((await fetch(`${suite.gateway.url}/`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await suite.service.call('POST', '/auth/logout', { token })).status).toBe(204);
    expect((await fetch(`${suite.gateway.url}/`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('overwrites identity headers a client sends itself', async () => {
    const { token, body } = await signUpAndLogIn(suite.service, 'gated-honest');
    const answer = await fetch(`${suite.gateway.url}/`, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-auth-user-id': 'someone-else',
        'x-auth-roles': 'admin',
        'x-auth-user-name': 'root',
        x_auth_user_id: 'someone-else',
        'x-auth_roles': 'admin',
      },
    });
    expect(await answer.json()).toMatchObject({ userId: body.user.id, roles: null, userName: 'gated-honest', authorization: null, underscored: [] });
    await suite.service.accounts.createAccount('gated-editor', 'correct horse battery', ['editor', 'admin']);
    const { token: editorToken } = await signUpAndLogIn(suite.service, 'gated-editor');
    const editor = await fetch(`${suite.gateway.url}/`, { headers: { authorization: `Bearer ${editorToken}`, 'x-auth-roles': 'root' } });
    expect(await editor.json()).toMatchObject({ roles: 'admin,editor' });
  });

  it('accepts the session cookie too, and passes its slid Max-Age on to the browser', async () => {
    const { token, body } = await signUpAndLogIn(suite.service, 'gated-cookie');
    const answer = await fetch(`${suite.gateway.url}/`, { headers: { cookie: `theme=dark; tessera=${token}; mytessera=1` } });
    expect(answer.status).toBe(200);
    // The app gets the identity and its own cookies, never the token.
    expect(await answer.json()).toMatchObject({ userId: body.user.id, cookie: 'theme=dark; mytessera=1' });
    expect(answer.headers.get('set-cookie')).toMatch(/^tessera=tess_[0-9A-Za-z]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it("checks a DPoP-bound token's proof against the request nginx forwards, once", async () => {
    const key = await newDpopKey();
    const login = await provenLogIn(suite.service, 'gated-dpop', key);
    const url = `${suite.gateway.url}/reports`;
    const proof = await key.proof({ htm: 'GET', htu: url, token: login.token });
    const through = await fetch(`${url}?x=1`, { headers: { authorization: `DPoP ${login.token}`, dpop: proof } });
    expect(through.status).toBe(200);
    expect(await through.json()).toMatchObject({ path: '/reports?x=1', userId: login.user.id, authorization: null });

    const refused = [
      await fetch(url, { headers: { authorization: `DPoP ${login.token}`, dpop: proof } }),
      await fetch(url, { headers: { authorization: `Bearer ${login.token}` } }),
      await fetch(`${suite.gateway.url}/admin`, {
        headers: { authorization: `DPoP ${login.token}`, dpop: await key.proof({ htm: 'GET', htu: url, token: login.token }) },
      }),
      await fetch(url, {
        method: 'POST',
        headers: { authorization: `DPoP ${login.token}`, dpop: await key.proof({ htm: 'GET', htu: url, token: login.token }) },
      }),
    ];
    expect(refused.map((answer) => answer.status)).toEqual([401, 401, 401, 401]);
    const again = await fetch(url, { headers: { authorization: `DPoP ${login.token}`, dpop: await key.proof({ htm: 'GET', htu: url, token: login.token }) } });
    expect(again.status).toBe(200);
  });

  it('keeps every Tessera cookie from the app, the refresh token and repeated ones included', async () => {
    const { token, body } = await signUpAndLogIn(suite.service, 'gated-cookies');
    const refresh = 'tessr_0123456789abcdefghijklmnopqrstuvwxyz';
    const cookie = `tessera=${token}; theme=dark; tessera-refresh=${refresh}; __Host-tessera=${token}; tessera=${token}; mytessera=1`;
    const answer = await fetch(`${suite.gateway.url}/`, { headers: { cookie } });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ userId: body.user.id, cookie: 'theme=dark; mytessera=1' });
    // More Tessera cookies than a browser holds: refused rather than passed on in part.
    const stuffed = await fetch(`${suite.gateway.url}/`, { headers: { cookie: `${cookie}; tessera-refresh=${refresh}` } });
    expect(stuffed.status).toBe(400);
  });
});
