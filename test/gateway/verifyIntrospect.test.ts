import { BACKENDS } from '../support/backends';
import { PageClient } from '../support/pageClient';
import { sessionKeyOf } from '../support/keys';
import { signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';

const CREDENTIAL = 'resource-server-credential-0123456789abcdef';

describe('GET /auth/verify and POST /auth/introspect', () => {
  const suite = useService(BACKENDS[0], {
    COOKIE_TRANSPORT: 'on',
    INTROSPECT_CREDENTIAL: CREDENTIAL,
    SESSION_IDLE_TIMEOUT: '10m',
    // Every check slides, so a check right after login shows its slide.
    SESSION_SLIDE_GRANULARITY: '0',
  });

  describe('verify', () => {
    it('answers 200 with the identity headers for a valid bearer token', async () => {
      await suite.service.accounts.createAccount('verified', 'correct horse battery', ['editor', 'admin']);
      const { token, body } = await signUpAndLogIn(suite.service, 'verified');
      const answer = await suite.service.call('GET', '/auth/verify', { token });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-auth-user-id')).toBe(body.user.id);
      expect(answer.headers.get('x-auth-session-id')).toBe(body.session.id);
      expect(answer.headers.get('x-auth-roles')).toBe('admin,editor');
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(await answer.text()).toBe('');
    });

    it('sends every identity header, empty when there is nothing to say', async () => {
      const { token } = await signUpAndLogIn(suite.service, 'verified-plain');
      const answer = await suite.service.call('GET', '/auth/verify', { token });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-auth-roles')).toBe('');
      expect(answer.headers.get('x-auth-user-name')).toBe('verified-plain');
    });

    it('accepts the session cookie', async () => {
      await signUpAndLogIn(suite.service, 'verified-cookie');
      const browser = new PageClient(suite.service);
      await browser.logIn('verified-cookie');
      const answer = await browser.get('/auth/verify');
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-auth-user-id')).toEqual(expect.any(String));
    });

    it('answers 401 without a token, with a bad one and after logout', async () => {
      expect((await suite.service.call('GET', '/auth/verify')).status).toBe(401);
      expect((await suite.service.call('GET', '/auth/verify', { token: 'tess_nope' })).status).toBe(401);
      const { token } = await signUpAndLogIn(suite.service, 'verified-gone');
      await suite.service.call('POST', '/auth/logout', { token });
      const gone = await suite.service.call('GET', '/auth/verify', { token });
      expect(gone.status).toBe(401);
      expect(gone.headers.get('x-auth-user-id')).toBeNull();
    });

    it('slides the expiry like any authenticated request', async () => {
      const { token, body } = await signUpAndLogIn(suite.service, 'verified-slide');
      const sessionKey = sessionKeyOf(suite.prefix, body.session.id);
      await suite.redis.pexpire(sessionKey, 60_000);
      expect(await suite.redis.pttl(sessionKey)).toBeLessThanOrEqual(60_000);
      await suite.service.call('GET', '/auth/verify', { token });
      expect(await suite.redis.pttl(sessionKey)).toBeGreaterThan(590_000);
    });
  });

  describe('introspect', () => {
    const form = (token: string) => new URLSearchParams({ token }).toString();
    const asService = (token: string, credential = CREDENTIAL) =>
      suite.service.call('POST', '/auth/introspect', {
        body: form(token),
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/x-www-form-urlencoded' },
      });

    it('describes a live token in the RFC 7662 shape to the service credential', async () => {
      await suite.service.accounts.createAccount('inspected', 'correct horse battery', ['editor']);
      const { token, body } = await signUpAndLogIn(suite.service, 'inspected');
      const answer = await asService(token);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      const result = (await answer.json()) as Record<string, unknown>;
      expect(result).toEqual({
        active: true,
        token_type: 'Bearer',
        sub: body.user.id,
        username: 'inspected',
        scope: 'editor',
        roles: ['editor'],
        iat: expect.any(Number),
        exp: expect.any(Number),
        absolute_exp: Math.floor(Date.parse(body.absoluteExpiresAt) / 1000),
        sid: body.session.id,
      });
      expect(Math.abs((result.exp as number) * 1000 - (Date.now() + 600_000))).toBeLessThan(3000);
      expect(Math.abs((result.iat as number) * 1000 - Date.now())).toBeLessThan(3000);
    });

    it('answers active: false, and nothing more, for an unknown, malformed or revoked token', async () => {
      const { token } = await signUpAndLogIn(suite.service, 'inspected-gone');
      await suite.service.call('POST', '/auth/logout', { token });
      for (const candidate of [token, 'tess_nope', 'garbage']) {
        const answer = await asService(candidate);
        expect(answer.status).toBe(200);
        expect(await answer.json()).toEqual({ active: false });
      }
    });

    it('refuses callers without the credential or an admin session with invalid_client and the challenge of the scheme they tried', async () => {
      const { token } = await signUpAndLogIn(suite.service, 'inspected-nosy');
      const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
      const basicChallenge = 'Basic realm="tessera-introspection", charset="UTF-8"';
      const bearerChallenge = 'Bearer realm="tessera-introspection", error="invalid_token"';
      for (const [answer, challenge] of [
        [await asService(token, 'wrong-credential-0123456789abcdefghij'), bearerChallenge],
        [await suite.service.call('POST', '/auth/introspect', { token, body: { token } }), bearerChallenge],
        [await suite.service.call('POST', '/auth/introspect', { body: { token } }), basicChallenge],
        [
          await suite.service.call('POST', '/auth/introspect', { body: { token }, headers: { authorization: basic(`resource-server:${CREDENTIAL}x`) } }),
          basicChallenge,
        ],
        [await suite.service.call('POST', '/auth/introspect', { body: { token }, headers: { authorization: basic(`other:${CREDENTIAL}`) } }), basicChallenge],
        [await suite.service.call('POST', '/auth/introspect', { body: { token }, headers: { authorization: basic(CREDENTIAL) } }), basicChallenge],
        [await suite.service.call('POST', '/auth/introspect', { body: { token, client_id: 'resource-server', client_secret: 'nope' } }), basicChallenge],
        [await suite.service.call('POST', '/auth/introspect', { body: { token, client_id: 'resource-server' } }), basicChallenge],
      ] as const) {
        expect(answer.status).toBe(401);
        expect(answer.headers.get('www-authenticate')).toBe(challenge);
        expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await answer.json()).toEqual({ error: 'invalid_client' });
      }
    });

    it('takes client_secret_basic as curl -u sends it, without form encoding', async () => {
      const { token, body } = await signUpAndLogIn(suite.service, 'inspected-by-curl');
      const answer = await suite.service.call('POST', '/auth/introspect', {
        body: form(token),
        headers: {
          authorization: `Basic ${Buffer.from(`resource-server:${CREDENTIAL}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
      });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ active: true, sub: body.user.id });
    });

    it('refuses two client authentication methods in one request', async () => {
      const { token } = await signUpAndLogIn(suite.service, 'inspected-twice');
      const answer = await suite.service.call('POST', '/auth/introspect', {
        body: new URLSearchParams({ token, client_id: 'resource-server', client_secret: CREDENTIAL }).toString(),
        headers: { authorization: `Bearer ${CREDENTIAL}`, 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toEqual({ error: 'invalid_request' });
    });

    it('lets an admin session introspect, with JSON too', async () => {
      await suite.service.accounts.createAccount('inspector', 'correct horse battery', ['admin']);
      const { token: adminToken } = await signUpAndLogIn(suite.service, 'inspector');
      const { token, body } = await signUpAndLogIn(suite.service, 'inspected-by-admin');
      const answer = await suite.service.call('POST', '/auth/introspect', { token: adminToken, body: { token } });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ active: true, sub: body.user.id });
    });

    it('answers 400 naming the missing token', async () => {
      const answer = await suite.service.call('POST', '/auth/introspect', {
        body: '',
        headers: { authorization: `Bearer ${CREDENTIAL}`, 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ errors: [{ field: 'token', message: 'is required' }] });
    });
  });
});
