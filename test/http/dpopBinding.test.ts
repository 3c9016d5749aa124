import type { Cluster, Redis } from 'ioredis';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { newDpopKey, tamperedSignature, type TestDpopKey } from '../support/dpop';
import type { LoginBody, TestService } from '../support/service';
import { usedProofOf } from '../support/keys';
import { useInstancePair, useServices } from '../support/serviceFixture';

const PASSWORD = 'correct horse battery';
/** Both instances serve one public origin, as behind a load balancer: a proof names it, not an instance's port. */
const ORIGIN = 'https://tessera.example';
const CREDENTIAL = 'resource-server-credential-0123456789abcdef';
const INVALID_PROOF = 'DPoP error="invalid_dpop_proof", algs="ES256 EdDSA"';

interface ProvenLogin extends LoginBody {
  refreshToken?: string;
}

async function register(service: TestService, username: string): Promise<void> {
  const registered = await service.call('POST', '/auth/register', { body: { username, password: PASSWORD } });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);
}

/** POST /auth/login with a proof by `key` (none when null), signed with `nonce` when given. */
function logIn(service: TestService, username: string, key: TestDpopKey | null, options: { remember?: boolean; nonce?: string } = {}): Promise<Response> {
  return issue(service, '/auth/login', { username, password: PASSWORD, remember: options.remember ?? false }, key, options.nonce);
}

async function issue(service: TestService, path: string, body: unknown, key: TestDpopKey | null, nonce?: string): Promise<Response> {
  const headers: Record<string, string> = key ? { dpop: await key.proof({ htm: 'POST', htu: ORIGIN + path, nonce }) } : {};
  return service.call('POST', path, { body, headers });
}

async function provenLogin(service: TestService, username: string, key: TestDpopKey, remember = false): Promise<ProvenLogin> {
  await register(service, username);
  const response = await logIn(service, username, key, { remember });
  if (response.status !== 200) throw new Error(`login answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as ProvenLogin;
}

/** GET a path with the token as `Authorization: DPoP` and this exact proof (none when null). */
function withProof(service: TestService, path: string, token: string, proof: string | null, method = 'GET'): Promise<Response> {
  return service.call(method, path, { headers: { authorization: `DPoP ${token}`, ...(proof === null ? {} : { dpop: proof }) } });
}

/** A fresh, correct proof by `key` for GET `path` with `token`. */
function freshProof(key: TestDpopKey, path: string, token: string, nonce?: string): Promise<string> {
  return key.proof({ htm: 'GET', htu: ORIGIN + path, token, nonce });
}

describe.each(BACKENDS)('DPoP-bound sessions on two instances sharing $name Redis', (backend) => {
  const prefix = uniquePrefix();
  const suite = useInstancePair(backend, { KEY_PREFIX: prefix, PUBLIC_ORIGIN: ORIGIN, INTROSPECT_CREDENTIAL: CREDENTIAL });
  let key: TestDpopKey;
  let thief: TestDpopKey;
  /** A client of the test's own, to look at what the instances keep. */
  let redis: Redis | Cluster;
  beforeAll(async () => {
    [key, thief] = await Promise.all([newDpopKey(), newDpopKey()]);
    redis = await backend.connect();
  });
  afterAll(() => redis.quit());

  it('binds a proven login to its key: the token is of type DPoP and works with a fresh proof on either instance', async () => {
    const login = await provenLogin(suite.a, 'dpop-owner', key);
    expect(login.tokenType).toBe('DPoP');
    for (const service of [suite.a, suite.b]) {
      const answer = await withProof(service, '/auth/session', login.token, await freshProof(key, '/auth/session', login.token));
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { session: { id: string } }).session.id).toBe(login.session.id);
    }
  });

  it('refuses every stolen or malformed use of a bound token, and the session works for its owner afterwards', async () => {
    const { token } = await provenLogin(suite.a, 'dpop-victim', key);
    const now = Math.floor(Date.now() / 1000);
    const path = '/auth/session';
    const replayed = await freshProof(key, path, token);
    expect((await withProof(suite.a, path, token, replayed)).status).toBe(200);

    const attempts: [string, Promise<Response>][] = [
      ['the token as Bearer', suite.a.call('GET', path, { token })],
      ['no proof', withProof(suite.a, path, token, null)],
      ['a proof by another key', withProof(suite.a, path, token, await freshProof(thief, path, token))],
      ['a replayed proof', withProof(suite.a, path, token, replayed)],
      ['a replayed proof at the other instance', withProof(suite.b, path, token, replayed)],
      ['a proof for another method', withProof(suite.a, path, token, await key.proof({ htm: 'POST', htu: ORIGIN + path, token }))],
      ['a proof for another URI', withProof(suite.a, path, token, await key.proof({ htm: 'GET', htu: `${ORIGIN}/auth/sessions`, token }))],
      ['a proof for another origin', withProof(suite.a, path, token, await key.proof({ htm: 'GET', htu: suite.a.url + path, token }))],
      ['a proof for another token', withProof(suite.a, path, token, await key.proof({ htm: 'GET', htu: ORIGIN + path, token: `${token.slice(0, -1)}x` }))],
      ['an old proof', withProof(suite.a, path, token, await key.proof({ htm: 'GET', htu: ORIGIN + path, token, iat: now - 300 }))],
      ['a tampered signature', withProof(suite.a, path, token, tamperedSignature(await freshProof(key, path, token)))],
    ];
    for (const [what, attempt] of attempts) {
      const answer = await attempt;
      expect({ what, status: answer.status, challenge: answer.headers.get('www-authenticate') }).toEqual({ what, status: 401, challenge: INVALID_PROOF });
    }

    for (const service of [suite.a, suite.b]) {
      expect((await withProof(service, path, token, await freshProof(key, path, token))).status).toBe(200);
    }
  });

  it('remembers an accepted proof beside its session for twice the window, and nothing of a refused one', async () => {
    const login = await provenLogin(suite.a, 'dpop-jti', key);
    const path = '/auth/session';
    const accepted = await key.proof({ htm: 'GET', htu: ORIGIN + path, token: login.token, jti: 'accepted-once' });
    expect((await withProof(suite.b, path, login.token, accepted)).status).toBe(200);
    const remembered = await redis.pttl(usedProofOf(prefix, login.session.id, 'accepted-once'));
    expect(remembered).toBeGreaterThan(110_000);
    expect(remembered).toBeLessThanOrEqual(120_000);
    const refused = await thief.proof({ htm: 'GET', htu: ORIGIN + path, token: login.token, jti: 'by-a-thief' });
    expect((await withProof(suite.a, path, login.token, refused)).status).toBe(401);
    expect(await redis.exists(usedProofOf(prefix, login.session.id, 'by-a-thief'))).toBe(0);
  });

  it('refuses two DPoP headers in one request', async () => {
    const login = await provenLogin(suite.a, 'dpop-twice', key);
    const path = '/auth/session';
    const headers = new Headers({ authorization: `DPoP ${login.token}` });
    headers.append('dpop', await freshProof(key, path, login.token));
    headers.append('dpop', await freshProof(key, path, login.token));
    const answer = await fetch(suite.a.url + path, { headers });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe(INVALID_PROOF);
  });

  it('keeps unbound sessions working as Bearer, and refuses one presented as DPoP', async () => {
    await register(suite.a, 'dpop-bearer');
    const login = (await (await logIn(suite.a, 'dpop-bearer', null)).json()) as LoginBody;
    expect(login.tokenType).toBe('Bearer');
    expect((await suite.b.call('GET', '/auth/session', { token: login.token })).status).toBe(200);
    const asDpop = await withProof(suite.b, '/auth/session', login.token, await freshProof(key, '/auth/session', login.token));
    expect(asDpop.status).toBe(401);
    expect((await suite.b.call('GET', '/auth/session', { token: login.token })).status).toBe(200);
  });

  it('refreshes a bound login only with a proof by the same key, and a refused refresh leaves the login alive', async () => {
    const login = await provenLogin(suite.a, 'dpop-refresh', key, true);
    const refreshToken = login.refreshToken!;
    for (const [what, answer] of [
      ['another key', await issue(suite.b, '/auth/refresh', { refreshToken }, thief)],
      ['no proof', await issue(suite.b, '/auth/refresh', { refreshToken }, null)],
    ] as const) {
      expect({ what, status: answer.status, body: await answer.json() }).toEqual({ what, status: 400, body: { error: 'invalid_dpop_proof' } });
    }
    expect((await withProof(suite.a, '/auth/session', login.token, await freshProof(key, '/auth/session', login.token))).status).toBe(200);

    const refreshed = await issue(suite.b, '/auth/refresh', { refreshToken }, key);
    expect(refreshed.status).toBe(200);
    const pair = (await refreshed.json()) as ProvenLogin;
    expect(pair.tokenType).toBe('DPoP');
    expect((await suite.a.call('GET', '/auth/session', { token: pair.token })).status).toBe(401);
    expect((await withProof(suite.a, '/auth/session', pair.token, await freshProof(key, '/auth/session', pair.token))).status).toBe(200);
    // The rotated family is still bound: the thief's key cannot take it over with the new refresh token either.
    expect((await issue(suite.a, '/auth/refresh', { refreshToken: pair.refreshToken }, thief)).status).toBe(400);
  });

  it('answers introspection of a bound token with token_type DPoP and cnf.jkt', async () => {
    const login = await provenLogin(suite.a, 'dpop-introspected', key);
    const basic = `Basic ${Buffer.from(`resource-server:${CREDENTIAL}`).toString('base64')}`;
    const answer = await suite.b.call('POST', '/auth/introspect', { body: { token: login.token }, headers: { authorization: basic } });
    expect(await answer.json()).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt }, sid: login.session.id });
  });
});

describe.each(BACKENDS)('DPoP settings against $name Redis', (backend) => {
  const services = useServices(backend);

  it('with DPOP=required refuses a login without a proof and binds one with a proof', async () => {
    const service = await services.serve({ DPOP: 'required', PUBLIC_ORIGIN: ORIGIN });
    await register(service, 'dpop-required');
    const unproven = await logIn(service, 'dpop-required', null);
    expect(unproven.status).toBe(400);
    expect(await unproven.json()).toEqual({ error: 'invalid_dpop_proof' });
    const key = await newDpopKey();
    const proven = await logIn(service, 'dpop-required', key);
    expect(((await proven.json()) as LoginBody).tokenType).toBe('DPoP');
  });

  it('binds an impersonation to the key of the admin who starts it', async () => {
    const service = await services.serve({ DPOP: 'required', PUBLIC_ORIGIN: ORIGIN, ADMIN_USERNAME: 'root', ADMIN_PASSWORD: PASSWORD });
    const adminKey = await newDpopKey();
    const admin = (await (await logIn(service, 'root', adminKey)).json()) as LoginBody;
    const registered = await service.call('POST', '/auth/register', { body: { username: 'impersonated', password: PASSWORD } });
    const { user } = (await registered.json()) as { user: { id: string } };
    const path = `/admin/users/${user.id}/impersonate`;
    const proof = await adminKey.proof({ htm: 'POST', htu: ORIGIN + path, token: admin.token });
    const started = await service.call('POST', path, { headers: { authorization: `DPoP ${admin.token}`, dpop: proof } });
    expect(started.status).toBe(201);
    const { token, tokenType } = (await started.json()) as { token: string; tokenType: string };
    expect(tokenType).toBe('DPoP');
    expect((await service.call('GET', '/auth/session', { token })).status).toBe(401);
    const thief = await newDpopKey();
    expect((await withProof(service, '/auth/session', token, await freshProof(thief, '/auth/session', token))).status).toBe(401);
    expect((await withProof(service, '/auth/session', token, await freshProof(adminKey, '/auth/session', token))).status).toBe(200);
  });

  it('checks a proof at /auth/verify against the original request only when a trusted proxy names it', async () => {
    const forPassword = async (service: TestService, token: string, key: TestDpopKey) =>
      service.call('GET', '/auth/verify', {
        headers: {
          authorization: `DPoP ${token}`,
          // The origin a gateway's sub-request names is its Host: here the service's own.
          dpop: await key.proof({ htm: 'POST', htu: `${service.url}/auth/password`, token }),
          'X-Original-Method': 'POST',
          'X-Original-URI': '/auth/password',
        },
      });
    for (const [trustProxy, status] of [
      ['off', 401],
      ['on', 200],
    ] as const) {
      const service = await services.serve({ PUBLIC_ORIGIN: ORIGIN, TRUST_PROXY: trustProxy });
      await register(service, `verify-proxy-${trustProxy}`);
      const key = await newDpopKey();
      const { token } = (await (await logIn(service, `verify-proxy-${trustProxy}`, key)).json()) as LoginBody;
      // Reaching the service directly, a caller must not choose the request its proof is checked against.
      expect([trustProxy, (await forPassword(service, token, key)).status]).toEqual([trustProxy, status]);
      expect((await withProof(service, '/auth/session', token, await freshProof(key, '/auth/session', token))).status).toBe(200);
    }
  });

  it('with DPOP_NONCE=on asks for the server nonce at login and on use, and any instance takes it', async () => {
    const env = { DPOP_NONCE: 'on', PUBLIC_ORIGIN: ORIGIN, KEY_PREFIX: `nonce${Date.now().toString(36)}` };
    const [first, second] = [await services.serve(env), await services.serve(env)];
    const key = await newDpopKey();
    await register(first, 'dpop-nonce');

    const asked = await logIn(first, 'dpop-nonce', key);
    expect(asked.status).toBe(400);
    expect(await asked.json()).toEqual({ error: 'use_dpop_nonce' });
    const nonce = asked.headers.get('dpop-nonce')!;
    expect(nonce).toBeTruthy();

    const login = await logIn(second, 'dpop-nonce', key, { nonce });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as LoginBody;

    const noNonce = await withProof(second, '/auth/session', token, await freshProof(key, '/auth/session', token));
    expect(noNonce.status).toBe(401);
    expect(noNonce.headers.get('www-authenticate')).toBe('DPoP error="use_dpop_nonce", algs="ES256 EdDSA"');
    const useNonce = noNonce.headers.get('dpop-nonce')!;
    const used = await withProof(first, '/auth/session', token, await freshProof(key, '/auth/session', token, useNonce));
    expect(used.status).toBe(200);
    expect(used.headers.get('dpop-nonce')).toBeTruthy();
  });
});
