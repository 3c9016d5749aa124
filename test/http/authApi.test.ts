import { getRounds } from 'bcryptjs';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { logIn, signUpAndLogIn, startTestService } from '../support/service';
import { useService } from '../support/serviceFixture';
import { userKeysOf } from '../support/keys';
import { USER_FIELD } from '../../src/store/fields';

const PROBLEM = 'application/problem+json';

describe.each(BACKENDS)('the /auth JSON API on $name Redis', (backend) => {
  const suite = useService(backend);

  async function problem(response: Response): Promise<{ type: string; status: number; detail?: string; errors?: unknown }> {
    expect(response.headers.get('content-type')).toBe(PROBLEM);
    return (await response.json()) as { type: string; status: number };
  }

  describe('register', () => {
    it('creates a user and refuses the same name in another case', async () => {
      const created = await suite.service.call('POST', '/auth/register', { body: { username: 'Grace', password: 'hopper-1906' } });
      expect(created.status).toBe(201);
      const body = (await created.json()) as { user: Record<string, unknown> };
      expect(body.user).toEqual({ id: expect.any(String), username: 'Grace', roles: [], createdAt: expect.any(String) });
      expect(JSON.stringify(body)).not.toMatch(/hopper-1906|\$2[aby]\$/);
      const again = await suite.service.call('POST', '/auth/register', { body: { username: 'grace', password: 'another fine passphrase' } });
      expect(again.status).toBe(409);
      expect((await problem(again)).type).toBe('urn:tessera:problem:username-taken');
    });

    it('gives one of two concurrent registrations of a name the account and the other a 409', async () => {
      const attempts = await Promise.all(
        ['Twin', 'twin'].map((username) => suite.service.call('POST', '/auth/register', { body: { username, password: 'pair-secret-1' } })),
      );
      expect(attempts.map((r) => r.status).sort()).toEqual([201, 409]);
      await logIn(suite.service, 'TWIN', 'pair-secret-1');
    });

    it('answers 400 naming each invalid field', async () => {
      const response = await suite.service.call('POST', '/auth/register', { body: { username: 'x', password: 'short' } });
      expect(response.status).toBe(400);
      const body = await problem(response);
      expect(body.type).toBe('urn:tessera:problem:invalid-request');
      expect(body.errors).toEqual([
        { field: 'username', message: expect.stringContaining('3-32') },
        { field: 'password', message: expect.stringContaining('at least 8') },
      ]);
    });

    it('refuses a password longer than bcrypt’s 72 bytes instead of truncating it', async () => {
      const response = await suite.service.call('POST', '/auth/register', { body: { username: 'longpass', password: 'é'.repeat(37) } });
      expect(response.status).toBe(400);
      expect(JSON.stringify(await problem(response))).toContain('at most 72 bytes');
    });

    it('answers 403 when sign-up is off', async () => {
      const closed = await startTestService(suite.redis, { KEY_PREFIX: uniquePrefix(), SIGNUP: 'off' });
      try {
        const response = await closed.call('POST', '/auth/register', { body: { username: 'nobody', password: 'password-1' } });
        expect(response.status).toBe(403);
        expect((await problem(response)).type).toBe('urn:tessera:problem:signup-disabled');
      } finally {
        await closed.close();
      }
    });
  });

  describe('login', () => {
    it('answers a bearer token, its expiry and the session, never cached', async () => {
      const registered = await suite.service.call('POST', '/auth/register', { body: { username: 'ada', password: 'lovelace-1815' } });
      expect(registered.status).toBe(201);
      const response = await suite.service.call('POST', '/auth/login', {
        body: { username: 'ADA', password: 'lovelace-1815', device: { type: 'web', name: 'Firefox on Linux' } },
        headers: { 'user-agent': 'TestBrowser/2.0' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        token: expect.stringMatching(/^tess_/),
        tokenType: 'Bearer',
        expiresAt: expect.stringMatching(/Z$/),
        absoluteExpiresAt: expect.stringMatching(/Z$/),
        session: { device: { type: 'web', name: 'Firefox on Linux' }, userAgent: 'TestBrowser/2.0', ip: '127.0.0.1' },
        user: { username: 'ada', roles: [] },
      });
    });

    it('rehashes a password made at an older bcrypt cost on the next login', async () => {
      const { body } = await signUpAndLogIn(suite.service, 'veteran');
      const stronger = await startTestService(suite.redis, { KEY_PREFIX: suite.prefix, BCRYPT_COST: '5' });
      try {
        await logIn(stronger, 'veteran');
        expect(getRounds((await suite.redis.hget(userKeysOf(suite.prefix, body.session.id).user, USER_FIELD.passwordHash))!)).toBe(5);
        await logIn(stronger, 'veteran');
      } finally {
        await stronger.close();
      }
    });

    it('gives one identical answer for an unknown user and a wrong password', async () => {
      await suite.service.call('POST', '/auth/register', { body: { username: 'turing', password: 'enigma-1912' } });
      const wrong = await suite.service.call('POST', '/auth/login', { body: { username: 'turing', password: 'not-it-at-all' } });
      const unknown = await suite.service.call('POST', '/auth/login', { body: { username: 'nobody-here', password: 'not-it-at-all' } });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      const [a, b] = [await wrong.json(), await unknown.json()];
      expect(a).toEqual(b);
    });
  });

  describe('an authenticated session', () => {
    it('describes itself and its user, and tells the client when it now expires', async () => {
      const { token, body } = await signUpAndLogIn(suite.service, 'hamilton');
      const response = await suite.service.call('GET', '/auth/session', { token });
      expect(response.status).toBe(200);
      const expires = response.headers.get('session-expires');
      expect(new Date(expires!).getTime()).toBeGreaterThan(Date.now() + 29 * 60_000);
      const data = (await response.json()) as { session: Record<string, unknown>; user: unknown };
      expect(data.user).toEqual({ id: body.user.id, username: 'hamilton', roles: [] });
      expect(Object.keys(data.session).sort()).toEqual(
        [
          'absoluteExpiresAt',
          'actor',
          'authenticatedAt',
          'boundKey',
          'createdAt',
          'device',
          'deviceBoundUntil',
          'expiresAt',
          'id',
          'ip',
          'lastSeenAt',
          'rememberedUntil',
          'userAgent',
          'userId',
        ].sort(),
      );
      expect(data.session.expiresAt).toBe(expires);
    });

    it('answers 401 with the RFC 6750 challenge without a token, and invalid_token with a bad one', async () => {
      const none = await suite.service.call('GET', '/auth/session');
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="tessera"');
      expect((await problem(none)).type).toBe('urn:tessera:problem:unauthenticated');
      for (const bad of ['garbage', `tess_${'a'.repeat(5000)}`, `tess_${'A'.repeat(58)}`]) {
        const response = await suite.service.call('GET', '/auth/session', { token: bad });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tessera", error="invalid_token"');
      }
      const basic = await suite.service.call('GET', '/auth/session', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      expect(basic.status).toBe(401);
    });

    it('is dead at once after logout', async () => {
      const { token } = await signUpAndLogIn(suite.service, 'hopper');
      expect((await suite.service.call('POST', '/auth/logout', { token })).status).toBe(204);
      expect((await suite.service.call('GET', '/auth/session', { token })).status).toBe(401);
    });

    it('ends every session of the user on logout-all', async () => {
      const first = await signUpAndLogIn(suite.service, 'knuth');
      const second = await logIn(suite.service, 'knuth');
      expect((await suite.service.call('POST', '/auth/logout-all', { token: first.token })).status).toBe(204);
      expect((await suite.service.call('GET', '/auth/session', { token: first.token })).status).toBe(401);
      expect((await suite.service.call('GET', '/auth/session', { token: second.token })).status).toBe(401);
    });

    it('lists the user’s sessions marking the current one, and signs out another by id', async () => {
      const phone = await signUpAndLogIn(suite.service, 'liskov', undefined, { type: 'ios', name: 'Phone' });
      const laptop = await logIn(suite.service, 'liskov', undefined, { type: 'web' });
      const listed = await suite.service.call('GET', '/auth/sessions', { token: laptop.token });
      const { sessions } = (await listed.json()) as { sessions: { id: string; current: boolean }[] };
      expect(sessions.map((s) => [s.id, s.current]).sort()).toEqual(
        [
          [phone.body.session.id, false],
          [laptop.body.session.id, true],
        ].sort(),
      );
      const removed = await suite.service.call('DELETE', `/auth/sessions/${phone.body.session.id}`, { token: laptop.token });
      expect(removed.status).toBe(204);
      expect((await suite.service.call('GET', '/auth/session', { token: phone.token })).status).toBe(401);
      const again = await suite.service.call('DELETE', `/auth/sessions/${phone.body.session.id}`, { token: laptop.token });
      expect(again.status).toBe(404);
    });

    it('answers each listed session as the session service’s record in JSON, in its order, with current beside it', async () => {
      const first = await signUpAndLogIn(suite.service, 'hamming', undefined, { type: 'ios', name: 'Phone' });
      const second = await logIn(suite.service, 'hamming', undefined, { type: 'web' });
      const listed = await suite.service.call('GET', '/auth/sessions', { token: second.token });
      const page = await suite.service.sessions.list(first.body.user.id);
      expect(page.sessions).toHaveLength(2);
      expect(await listed.text()).toBe(
        JSON.stringify({
          sessions: page.sessions.map((s) => ({ ...s, current: s.id === second.body.session.id })),
          total: page.total,
          nextCursor: page.nextCursor,
        }),
      );
    });

    it('answers 404 for another user’s session id and leaves it alive', async () => {
      const victim = await signUpAndLogIn(suite.service, 'victim');
      const other = await signUpAndLogIn(suite.service, 'mallory');
      const response = await suite.service.call('DELETE', `/auth/sessions/${victim.body.session.id}`, { token: other.token });
      expect(response.status).toBe(404);
      expect((await suite.service.call('GET', '/auth/session', { token: victim.token })).status).toBe(200);
      expect((await suite.service.call('DELETE', '/auth/sessions/not-an-id', { token: other.token })).status).toBe(404);
    });

    it('sets no password from a session that ended while the password was being checked', async () => {
      const here = await signUpAndLogIn(suite.service, 'raced', 'photo-finish-1');
      const actor = { id: here.body.user.id, name: 'raced' };
      // The owner logs out everywhere; the change, already past its authentication, only learns
      // of it in the final step that stores the new hash, which must then store nothing.
      expect((await suite.service.call('POST', '/auth/logout-all', { token: here.token })).status).toBe(204);
      await expect(suite.service.accounts.changePassword(actor, here.body.session.id, 'photo-finish-1', 'attacker-password')).rejects.toMatchObject({
        status: 401,
      });
      await logIn(suite.service, 'raced', 'photo-finish-1');
      await expect(logIn(suite.service, 'raced', 'attacker-password')).rejects.toThrow(/401/);
    });

    it('changes the password, ending every other session and keeping this one', async () => {
      const here = await signUpAndLogIn(suite.service, 'dijkstra', 'shortest-path-1');
      const elsewhere = await logIn(suite.service, 'dijkstra', 'shortest-path-1');
      const wrong = await suite.service.call('POST', '/auth/password', {
        token: here.token,
        body: { currentPassword: 'not-the-password', newPassword: 'goto-considered-2' },
      });
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toMatchObject({ type: 'urn:tessera:problem:invalid-credentials', detail: 'The current password is wrong.' });
      const changed = await suite.service.call('POST', '/auth/password', {
        token: here.token,
        body: { currentPassword: 'shortest-path-1', newPassword: 'goto-considered-2' },
      });
      expect(changed.status).toBe(204);
      expect((await suite.service.call('GET', '/auth/session', { token: here.token })).status).toBe(200);
      expect((await suite.service.call('GET', '/auth/session', { token: elsewhere.token })).status).toBe(401);
      await expect(logIn(suite.service, 'dijkstra', 'shortest-path-1')).rejects.toThrow(/401/);
      await logIn(suite.service, 'dijkstra', 'goto-considered-2');
    });
  });

  describe('bad input', () => {
    it('answers 413 to a body over the limit', async () => {
      const response = await suite.service.call('POST', '/auth/login', { body: JSON.stringify({ username: 'a', password: 'x'.repeat(20_000) }) });
      expect(response.status).toBe(413);
      expect((await problem(response)).type).toBe('urn:tessera:problem:payload-too-large');
    });

    it('answers 400 to malformed JSON', async () => {
      const response = await suite.service.call('POST', '/auth/login', { body: '{"username": ' });
      expect(response.status).toBe(400);
      expect((await problem(response)).type).toBe('urn:tessera:problem:malformed-json');
    });

    it('answers 415 to a body that is not JSON', async () => {
      const response = await suite.service.call('POST', '/auth/login', {
        body: 'username=a&password=b',
        headers: { 'content-type': 'text/plain' },
      });
      expect(response.status).toBe(415);
    });

    it('answers 400 to unknown fields and wrong types', async () => {
      const response = await suite.service.call('POST', '/auth/login', { body: { username: 42, password: 'x', admin: true } });
      expect(response.status).toBe(400);
      const body = (await problem(response)) as { errors: { field: string }[] };
      expect(body.errors.map((e) => e.field).sort()).toEqual(['admin', 'username']);
    });

    it('answers problem+json 404 and 405 for unknown routes and methods', async () => {
      const missing = await suite.service.call('GET', '/nope');
      expect(missing.status).toBe(404);
      expect((await problem(missing)).type).toBe('urn:tessera:problem:not-found');
      const wrongMethod = await suite.service.call('GET', '/auth/login');
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toContain('POST');
    });
  });

  it('reports liveness and readiness', async () => {
    expect((await suite.service.call('GET', '/healthz')).status).toBe(200);
    expect((await suite.service.call('GET', '/readyz')).status).toBe(200);
  });
});
