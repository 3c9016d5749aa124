/**
 * Recent sign-in (RFC 9470 step-up) on real standalone Redis and a real Cluster: the session keeps
 * when its password was last proven, sliding never moves it, admin writes ask for a recent one,
 * and POST /auth/reauthenticate gives it.
 */
import { TesseraArgumentError } from '../../src/errors';
import { requireRecentAuth } from '../../src/middleware/requireRecentAuth';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { useServices } from '../support/serviceFixture';
import { logIn, signUpAndLogIn } from '../support/service';

const ADMIN = { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'admin-secret-2468' };
const PASSWORD = 'correct horse battery';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface SessionBody {
  session: { id: string; authenticatedAt: string; lastSeenAt: string };
}

describe.each(BACKENDS)('recent sign-in on $name Redis', (backend) => {
  const suite = useServices(backend);

  it('challenges an admin whose sign-in is older than ADMIN_REAUTH_AFTER on a ban, and bans after POST /auth/reauthenticate', async () => {
    const prefix = uniquePrefix();
    const strict = await suite.serve({ ...ADMIN, KEY_PREFIX: prefix, ADMIN_REAUTH_AFTER: '1s' });
    const relaxed = await suite.serve({ ...ADMIN, KEY_PREFIX: prefix, ADMIN_REAUTH_AFTER: '0' });
    const admin = await logIn(strict, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const victim = await signUpAndLogIn(strict, 'oscar');
    const ban = (service = strict) => service.call('POST', '/admin/blacklist', { token: admin.token, body: { userId: victim.body.user.id, reason: 'spam' } });
    // Waiting is the behaviour under test: the sign-in ages while the session stays in use.
    await sleep(1200);
    expect((await strict.call('GET', '/admin/users?query=osc', { token: admin.token })).status).toBe(200);

    const challenged = await ban();
    expect(challenged.status).toBe(401);
    expect(challenged.headers.get('www-authenticate')).toBe(
      'Bearer realm="tessera", error="insufficient_user_authentication", error_description="A more recent sign-in is required", max_age=1',
    );
    expect(await challenged.json()).toMatchObject({ type: 'urn:tessera:problem:reauthentication-required', maxAge: 1 });
    expect((await strict.call('GET', '/auth/session', { token: victim.token })).status).toBe(200);

    const wrong = await strict.call('POST', '/auth/reauthenticate', { token: admin.token, body: { password: 'not the password' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ type: 'urn:tessera:problem:invalid-credentials' });
    expect((await ban()).status).toBe(401);

    expect((await strict.call('POST', '/auth/reauthenticate', { token: admin.token, body: { password: ADMIN.ADMIN_PASSWORD } })).status).toBe(204);
    expect((await ban()).status).toBe(201);
    expect((await strict.call('GET', '/auth/session', { token: victim.token })).status).toBe(401);

    // ADMIN_REAUTH_AFTER=0: any live admin session may write, however old its sign-in.
    await sleep(1200);
    expect((await relaxed.call('DELETE', `/admin/blacklist/${victim.body.user.id}`, { token: admin.token })).status).toBe(204);
  });

  it('keeps the sign-in time through sliding activity and a refresh; reauthentication moves it', async () => {
    const service = await suite.serve({ SESSION_SLIDE_GRANULARITY: '0' });
    await service.call('POST', '/auth/register', { body: { username: 'peggy', password: PASSWORD } });
    const login = (await (
      await service.call('POST', '/auth/login', { body: { username: 'peggy', password: PASSWORD, remember: true } })
    ).json()) as SessionBody & {
      token: string;
      refreshToken: string;
    };
    const signedInAt = login.session.authenticatedAt;
    expect(Date.parse(signedInAt)).toBeGreaterThan(Date.now() - 60_000);

    await sleep(50);
    const slid = (await (await service.call('GET', '/auth/session', { token: login.token })).json()) as SessionBody;
    expect(slid.session.authenticatedAt).toBe(signedInAt);
    expect(Date.parse(slid.session.lastSeenAt)).toBeGreaterThan(Date.parse(signedInAt));

    const refreshed = (await (await service.call('POST', '/auth/refresh', { body: { refreshToken: login.refreshToken } })).json()) as SessionBody & {
      token: string;
      refreshToken: string;
    };
    expect(refreshed.session.id).not.toBe(login.session.id);
    expect(refreshed.session.authenticatedAt).toBe(signedInAt);

    expect((await service.call('POST', '/auth/reauthenticate', { token: refreshed.token, body: { password: PASSWORD } })).status).toBe(204);
    const proven = (await (await service.call('GET', '/auth/session', { token: refreshed.token })).json()) as SessionBody;
    expect(Date.parse(proven.session.authenticatedAt)).toBeGreaterThan(Date.parse(signedInAt));
    // The family keeps the new time for the sessions it mints next.
    const next = (await (await service.call('POST', '/auth/refresh', { body: { refreshToken: refreshed.refreshToken } })).json()) as SessionBody;
    expect(next.session.authenticatedAt).toBe(proven.session.authenticatedAt);
  });

  it('throttles wrong passwords at reauthentication as it does at login', async () => {
    const service = await suite.serve({ LOGIN_FREE_TRIES: '2' });
    const user = await signUpAndLogIn(service, 'quinn');
    const guess = () => service.call('POST', '/auth/reauthenticate', { token: user.token, body: { password: 'a wrong guess' } });
    expect((await guess()).status).toBe(401);
    expect((await guess()).status).toBe(401);
    const throttled = await guess();
    expect(throttled.status).toBe(429);
    // The same counters as the login form: the right password from here waits too.
    expect((await service.call('POST', '/auth/login', { body: { username: 'quinn', password: PASSWORD } })).status).toBe(429);
  });

  it('refuses to build a guard that could never pass', () => {
    expect(() => requireRecentAuth(0)).toThrow(TesseraArgumentError);
    expect(() => requireRecentAuth(1.5)).toThrow('requireRecentAuth(maxAgeSeconds) takes a positive whole number of seconds; got 1.5.');
  });
});
