/**
 * DPoP (RFC 9449) through the Express and Hono adapters, as in the Koa middleware: real apps on
 * real ports, real Redis, proofs signed by a client written with jose. A proven login through the
 * shipped auth routes binds its session; the bound token then works only as `Authorization: DPoP`
 * with a fresh proof by its key, and every refusal is a DPoP challenge that leaves the session to
 * its owner.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Server } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import type { Cluster, Redis } from 'ioredis';
import * as expressAdapter from '../../src/adapters/express';
import * as honoAdapter from '../../src/adapters/hono';
import { DpopNonces } from '../../src/tokens/dpopNonce';
import type { SessionService } from '../../src/sessions/sessionService';
import type { AuthRoutesOptions } from '../../src/authRoutes/authRoutesCore';
import { createTesseraClient, memoryStorage } from '../../src/client';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { newDpopKey, type TestDpopKey } from '../support/dpop';

const PASSWORD = 'correct horse battery staple';
const CHALLENGE = 'DPoP error="invalid_dpop_proof", algs="ES256 EdDSA"';
const QUIET = { warn: () => undefined, error: () => undefined };

const accounts: AuthRoutesOptions = {
  checkPassword: (username, password) => (username === 'ada' && password === PASSWORD ? 'user-1' : null),
  describeUser: () => ({ username: 'ada' }),
};

type Framework = 'Express' | 'Hono';

/** An app as docs/library.md builds one: auth routes and authenticate() sharing one DpopVerifier, a guarded route, problem+json. */
function serverFor(framework: Framework, tessera: SessionService, nonces: DpopNonces | null): Server {
  if (framework === 'Express') {
    const { authRoutes, authenticate, DpopVerifier, problemDetails, requireAuth, signedIn } = expressAdapter;
    const dpop = new DpopVerifier({ nonces });
    const app = express();
    app.use(express.json());
    app.use(authRoutes(tessera, { ...accounts, dpop }));
    app.use(authenticate(tessera, { dpop }));
    app.get('/me', requireAuth(), (_req, res) => {
      const { user, session } = signedIn(res);
      res.json({ id: user.id, boundKey: session.boundKey });
    });
    app.use(problemDetails({ logger: QUIET }));
    return app.listen(0, '127.0.0.1');
  }
  const { authRoutes, authenticate, DpopVerifier, problemDetails, requireAuth } = honoAdapter;
  const dpop = new DpopVerifier({ nonces });
  const app = new Hono<honoAdapter.TesseraEnv>();
  app.onError(problemDetails({ logger: QUIET }));
  app.use(authRoutes(tessera, { ...accounts, dpop, logger: QUIET }));
  app.use(authenticate(tessera, { dpop }));
  app.get('/me', requireAuth(), (c) => c.json({ id: c.var.user!.id, boundKey: c.var.session!.boundKey }));
  return createAdaptorServer({ fetch: app.fetch }).listen(0, '127.0.0.1') as Server;
}

describe.each(BACKENDS)('DPoP through the adapters on $name Redis', (backend) => {
  let redis: Redis | Cluster;
  let key: TestDpopKey;
  let otherKey: TestDpopKey;

  beforeAll(async () => {
    redis = await backend.connect();
    [key, otherKey] = await Promise.all([newDpopKey(), newDpopKey()]);
  });
  afterAll(() => redis.quit());

  describe.each<Framework>(['Express', 'Hono'])('%s', (framework) => {
    let server: Server;
    let base: string;

    beforeEach(async () => {
      server = serverFor(framework, freshTessera(redis), null);
      await new Promise((resolve) => server.once('listening', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(() => new Promise((resolve) => server.close(resolve)));

    const call = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
      fetch(base + path, {
        method,
        headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    /** A login with a proof by `by`; its answer's body. */
    async function provenLogin(by: TestDpopKey): Promise<{ token: string; tokenType: string; refreshToken: string }> {
      const proof = await by.proof({ htm: 'POST', htu: `${base}/auth/login` });
      const answer = await call('POST', '/auth/login', { DPoP: proof }, { username: 'ada', password: PASSWORD, remember: true });
      expect(answer.status).toBe(200);
      return (await answer.json()) as { token: string; tokenType: string; refreshToken: string };
    }

    /** GET /me as `Authorization: DPoP` with a fresh proof by `by`. */
    async function proven(token: string, by: TestDpopKey, path = '/me'): Promise<Response> {
      return call('GET', path, { Authorization: `DPoP ${token}`, DPoP: await by.proof({ htm: 'GET', htu: base + path, token }) });
    }

    async function expectChallenge(answer: Response): Promise<void> {
      expect([answer.status, answer.headers.get('www-authenticate')]).toEqual([401, CHALLENGE]);
      expect(((await answer.json()) as { type: string }).type).toBe('urn:tessera:problem:invalid-dpop-proof');
    }

    it('binds a proven login, and takes its token with a fresh proof by its key', async () => {
      const login = await provenLogin(key);
      expect(login.tokenType).toBe('DPoP');
      const me = await proven(login.token, key);
      expect([me.status, await me.json()]).toEqual([200, { id: 'user-1', boundKey: key.jkt }]);
      const session = await proven(login.token, key, '/auth/session');
      expect(session.status).toBe(200);
    });

    it('refuses the bound token as Bearer, without a proof, with another key, and replayed, and its owner keeps it', async () => {
      const { token } = await provenLogin(key);
      await expectChallenge(await call('GET', '/me', { Authorization: `Bearer ${token}` }));
      await expectChallenge(await call('GET', '/auth/session', { Authorization: `Bearer ${token}` }));
      await expectChallenge(await call('GET', '/me', { Authorization: `DPoP ${token}` }));
      await expectChallenge(await proven(token, otherKey));
      const once = await key.proof({ htm: 'GET', htu: `${base}/me`, token });
      expect((await call('GET', '/me', { Authorization: `DPoP ${token}`, DPoP: once })).status).toBe(200);
      await expectChallenge(await call('GET', '/me', { Authorization: `DPoP ${token}`, DPoP: once }));
      // Logging out needs the proof too: a copied token cannot end the owner's session.
      await expectChallenge(await call('POST', '/auth/logout', { Authorization: `Bearer ${token}` }));
      expect((await proven(token, key)).status).toBe(200);
    });

    it('refreshes a bound login only with a proof by its key, and binds the new session to it', async () => {
      const { refreshToken } = await provenLogin(key);
      const refresh = async (headers: Record<string, string>) => call('POST', '/auth/refresh', headers, { refreshToken });
      const unproven = await refresh({});
      expect([unproven.status, ((await unproven.json()) as { error: string }).error]).toEqual([400, 'invalid_dpop_proof']);
      const stranger = await refresh({ DPoP: await otherKey.proof({ htm: 'POST', htu: `${base}/auth/refresh` }) });
      expect([stranger.status, ((await stranger.json()) as { error: string }).error]).toEqual([400, 'invalid_dpop_proof']);
      const owner = await refresh({ DPoP: await key.proof({ htm: 'POST', htu: `${base}/auth/refresh` }) });
      expect(owner.status).toBe(200);
      const refreshed = (await owner.json()) as { token: string; tokenType: string };
      expect(refreshed.tokenType).toBe('DPoP');
      expect((await proven(refreshed.token, key)).status).toBe(200);
      await expectChallenge(await call('GET', '/me', { Authorization: `Bearer ${refreshed.token}` }));
    });

    it('logs a bound session out with a proof, after which its token is no session', async () => {
      const { token } = await provenLogin(key);
      const proof = await key.proof({ htm: 'POST', htu: `${base}/auth/logout`, token });
      expect((await call('POST', '/auth/logout', { Authorization: `DPoP ${token}`, DPoP: proof })).status).toBe(204);
      const after = await proven(token, key);
      expect([after.status, ((await after.json()) as { type: string }).type]).toEqual([401, 'urn:tessera:problem:invalid-token']);
    });

    it('serves the client SDK binding by default: its copied token is refused elsewhere while it keeps working', async () => {
      const storage = memoryStorage();
      const client = createTesseraClient({ baseUrl: base, storage, dpop: true });
      await client.login({ username: 'ada', password: PASSWORD, remember: true });
      expect((await client.fetch('/me')).status).toBe(200);
      const copied = (await storage.get())!.token;
      await expectChallenge(await call('GET', '/me', { Authorization: `Bearer ${copied}` }));
      await expectChallenge(await proven(copied, otherKey));
      expect((await client.fetch('/me')).status).toBe(200);
      await client.logout();
      expect(await client.session()).toBeNull();
    });

    it('leaves a login without a proof a bearer session, which refuses the DPoP scheme', async () => {
      const login = await call('POST', '/auth/login', {}, { username: 'ada', password: PASSWORD });
      const { token, tokenType } = (await login.json()) as { token: string; tokenType: string };
      expect(tokenType).toBe('Bearer');
      const me = await call('GET', '/me', { Authorization: `Bearer ${token}` });
      expect([me.status, await me.json()]).toEqual([200, { id: 'user-1', boundKey: null }]);
      await expectChallenge(await proven(token, key));
      expect((await call('GET', '/me', { Authorization: `Bearer ${token}` })).status).toBe(200);
    });
  });

  describe.each<Framework>(['Express', 'Hono'])('%s with server nonces', (framework) => {
    let server: Server;
    let base: string;

    beforeEach(async () => {
      const secret = randomBytes(32);
      server = serverFor(framework, freshTessera(redis), new DpopNonces(async () => secret, 60_000));
      await new Promise((resolve) => server.once('listening', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(() => new Promise((resolve) => server.close(resolve)));

    it('asks for the nonce at login and on use, and takes proofs that carry it', async () => {
      const login = (proof: string) =>
        fetch(`${base}/auth/login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', DPoP: proof },
          body: JSON.stringify({ username: 'ada', password: PASSWORD }),
        });
      const asked = await login(await key.proof({ htm: 'POST', htu: `${base}/auth/login` }));
      expect([asked.status, ((await asked.json()) as { error: string }).error]).toEqual([400, 'use_dpop_nonce']);
      const nonce = asked.headers.get('dpop-nonce')!;
      expect(nonce).toBeTruthy();
      const signedIn = await login(await key.proof({ htm: 'POST', htu: `${base}/auth/login`, nonce }));
      expect(signedIn.status).toBe(200);
      const { token } = (await signedIn.json()) as { token: string };

      const use = async (proofNonce?: string) =>
        fetch(`${base}/me`, {
          headers: { Authorization: `DPoP ${token}`, DPoP: await key.proof({ htm: 'GET', htu: `${base}/me`, token, nonce: proofNonce }) },
        });
      const challenged = await use();
      expect([challenged.status, challenged.headers.get('www-authenticate')]).toEqual([401, 'DPoP error="use_dpop_nonce", algs="ES256 EdDSA"']);
      expect(challenged.headers.get('dpop-nonce')).toBe(nonce);
      const answered = await use(nonce);
      expect([answered.status, answered.headers.get('dpop-nonce')]).toEqual([200, nonce]);
    });
  });
});

/** A session service under a prefix of its own, so each app starts from no sessions. */
function freshTessera(redis: Redis | Cluster): SessionService {
  return expressAdapter.createTessera(redis, { keyPrefix: uniquePrefix() });
}
