/**
 * Impersonation on real standalone Redis and a real Cluster: an admin starts a short session as a
 * user, which carries the admin as its actor, may not touch the user's security or admin routes,
 * cannot be refreshed, ends with the admin's logout everywhere or ban, and is audited.
 */
import { BACKENDS } from '../support/backends';
import { useServices } from '../support/serviceFixture';
import { logIn, signUpAndLogIn, type TestService } from '../support/service';
import { PageClient } from '../support/pageClient';

const ADMIN = { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'admin-secret-2468' };
const PASSWORD = 'correct horse battery';
const CREDENTIAL = 'introspection-credential-for-tests-0123456789';

interface Impersonated {
  token: string;
  refreshToken?: string;
  expiresAt: string;
  absoluteExpiresAt: string;
  session: { id: string; createdAt: string; actor: { id: string; username: string | null } | null };
  user: { id: string; username: string };
}

describe.each(BACKENDS)('impersonation on $name Redis', (backend) => {
  const suite = useServices(backend);

  async function start(): Promise<{ service: TestService; admin: { token: string; id: string } }> {
    const service = await suite.serve({ ...ADMIN, IMPERSONATION_TTL: '10m', INTROSPECT_CREDENTIAL: CREDENTIAL, COOKIE_TRANSPORT: 'on' });
    const admin = await logIn(service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    return { service, admin: { token: admin.token, id: admin.body.user.id } };
  }

  const impersonate = (service: TestService, adminToken: string, userId: string) =>
    service.call('POST', `/admin/users/${userId}/impersonate`, { token: adminToken });

  async function trail(
    service: TestService,
    token: string,
  ): Promise<{ type: string; actor: { id: string | null }; target: string | null; outcome: string; detail: string | null }[]> {
    const response = await service.call('GET', '/admin/audit?limit=100', { token });
    return (
      (await response.json()) as { entries: { type: string; actor: { id: string | null }; target: string | null; outcome: string; detail: string | null }[] }
    ).entries;
  }

  it('shows its actor, lives IMPERSONATION_TTL at most, cannot refresh, is refused the user’s security acts, and is audited', async () => {
    const { service, admin } = await start();
    const uma = await signUpAndLogIn(service, 'uma');
    const started = await impersonate(service, admin.token, uma.body.user.id);
    expect(started.status).toBe(201);
    expect(started.headers.get('cache-control')).toBe('no-store');
    const body = (await started.json()) as Impersonated;
    expect(body.user).toMatchObject({ id: uma.body.user.id, username: 'uma' });
    expect(body.session.actor).toEqual({ id: admin.id, username: 'root' });
    expect(body.refreshToken).toBeUndefined();
    expect((Date.parse(body.absoluteExpiresAt) - Date.parse(body.session.createdAt)) / 1000).toBe(600);

    const seen = (await (await service.call('GET', '/auth/session', { token: body.token })).json()) as {
      session: Impersonated['session'];
      user: { id: string };
    };
    expect(seen.user.id).toBe(uma.body.user.id);
    expect(seen.session.actor).toEqual({ id: admin.id, username: 'root' });
    const verify = await service.call('GET', '/auth/verify', { token: body.token });
    expect(verify.headers.get('x-auth-actor-id')).toBe(admin.id);
    expect((await service.call('GET', '/auth/verify', { token: uma.token })).headers.get('x-auth-actor-id')).toBe('');
    const introspected = await service.call('POST', '/auth/introspect', {
      body: new URLSearchParams({ token: body.token }).toString(),
      headers: { authorization: `Bearer ${CREDENTIAL}`, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(await introspected.json()).toMatchObject({ active: true, sub: uma.body.user.id, act: { sub: admin.id } });

    const refused = [
      await service.call('POST', '/auth/password', { token: body.token, body: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' } }),
      await service.call('POST', '/auth/logout-all', { token: body.token }),
      await service.call('DELETE', `/auth/sessions/${uma.body.session.id}`, { token: body.token }),
      await service.call('POST', '/auth/reauthenticate', { token: body.token, body: { password: PASSWORD } }),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403]);
    expect(await refused[0].json()).toMatchObject({ type: 'urn:tessera:problem:impersonation-forbidden' });
    expect((await service.call('GET', '/auth/session', { token: uma.token })).status).toBe(200);
    await logIn(service, 'uma', PASSWORD);

    // The user sees it among their sessions, marked with the admin.
    const listed = (await (await service.call('GET', '/auth/sessions', { token: uma.token })).json()) as { sessions: Impersonated['session'][] };
    expect(listed.sessions.find((s) => s.id === body.session.id)?.actor).toEqual({ id: admin.id, username: 'root' });
    const browser = new PageClient(service);
    await browser.logIn('uma');
    expect((await browser.get('/account')).html).toContain('opened by admin root');

    expect(await trail(service, admin.token)).toContainEqual(
      expect.objectContaining({
        type: 'impersonation.started',
        actor: expect.objectContaining({ id: admin.id }),
        target: uma.body.user.id,
        outcome: 'success',
      }),
    );
  });

  it('ends when the admin logs out everywhere, and when the admin is banned', async () => {
    const { service, admin } = await start();
    const vic = await signUpAndLogIn(service, 'victor');
    const first = (await (await impersonate(service, admin.token, vic.body.user.id)).json()) as Impersonated;
    expect((await service.call('POST', '/auth/logout-all', { token: admin.token })).status).toBe(204);
    expect((await service.call('GET', '/auth/session', { token: first.token })).status).toBe(401);
    expect((await service.call('GET', '/auth/session', { token: vic.token })).status).toBe(200);

    const root = await logIn(service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    await service.accounts.createAccount('helper', PASSWORD, ['admin']);
    const helper = await logIn(service, 'helper');
    const second = (await (await impersonate(service, helper.token, vic.body.user.id)).json()) as Impersonated;
    expect((await service.call('GET', '/auth/session', { token: second.token })).status).toBe(200);
    expect((await service.call('POST', '/admin/blacklist', { token: root.token, body: { userId: helper.body.user.id, reason: 'misuse' } })).status).toBe(201);
    expect((await service.call('GET', '/auth/session', { token: second.token })).status).toBe(401);

    const ended = (await trail(service, root.token)).filter((entry) => entry.type === 'impersonation.ended');
    expect(ended.map((entry) => entry.target).sort()).toEqual([admin.id, helper.body.user.id].sort());
  });

  it('ends when the admin is cut off any other way: own logout, password change, sessions revoked, admin role removed', async () => {
    const { service, admin: root } = await start();
    const vic = await signUpAndLogIn(service, 'valerie');
    await service.accounts.createAccount('helper', PASSWORD, ['admin']);
    const cutOffs: [string, (helper: { token: string; id: string }) => Promise<number>][] = [
      ['own logout', async (helper) => (await service.call('POST', '/auth/logout', { token: helper.token })).status],
      [
        'password change',
        async (helper) =>
          (await service.call('POST', '/auth/password', { token: helper.token, body: { currentPassword: PASSWORD, newPassword: PASSWORD } })).status,
      ],
      ['sessions revoked', async (helper) => (await service.call('POST', `/admin/users/${helper.id}/revoke-sessions`, { token: root.token })).status],
      [
        'admin role removed',
        async (helper) => (await service.call('PUT', `/admin/users/${helper.id}/roles`, { token: root.token, body: { roles: [] } })).status,
      ],
    ];
    for (const [how, cutOff] of cutOffs) {
      const login = await logIn(service, 'helper');
      const helper = { token: login.token, id: login.body.user.id };
      const started = await impersonate(service, helper.token, vic.body.user.id);
      expect([how, started.status]).toEqual([how, 201]);
      const { token } = (await started.json()) as Impersonated;
      expect([how, (await service.call('GET', '/auth/session', { token })).status]).toEqual([how, 200]);
      expect([how, await cutOff(helper)]).toEqual([how, expect.any(Number)]);
      expect([how, (await service.call('GET', '/auth/session', { token })).status]).toEqual([how, 401]);
      expect([how, (await service.call('GET', '/auth/session', { token: vic.token })).status]).toEqual([how, 200]);
    }
  });

  it('ending a session opened as an admin leaves that admin’s own impersonations alone', async () => {
    const { service, admin: root } = await start();
    const vic = await signUpAndLogIn(service, 'vince');
    await service.accounts.createAccount('helper', PASSWORD, ['admin']);
    const helper = await logIn(service, 'helper');
    const helpersOwn = (await (await impersonate(service, helper.token, vic.body.user.id)).json()) as Impersonated;
    expect((await service.call('PUT', `/admin/users/${root.id}/roles`, { token: root.token, body: { roles: ['admin', 'impersonate-admins'] } })).status).toBe(
      200,
    );
    const asHelper = await impersonate(service, root.token, helper.body.user.id);
    expect(asHelper.status).toBe(201);
    const { token } = (await asHelper.json()) as Impersonated;
    expect((await service.call('POST', '/auth/logout', { token })).status).toBe(204);
    expect((await service.call('GET', '/auth/session', { token })).status).toBe(401);
    expect((await service.call('GET', '/auth/session', { token: helpersOwn.token })).status).toBe(200);
  });

  it('targets another admin only with the impersonate-admins role, and never reaches admin routes', async () => {
    const { service, admin } = await start();
    await service.accounts.createAccount('other-admin', PASSWORD, ['admin']);
    const other = (await service.accounts.findByUsername('other-admin'))!;
    const denied = await impersonate(service, admin.token, other.id);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ type: 'urn:tessera:problem:forbidden' });
    expect((await impersonate(service, admin.token, admin.id)).status).toBe(403);

    expect((await service.call('PUT', `/admin/users/${admin.id}/roles`, { token: admin.token, body: { roles: ['admin', 'impersonate-admins'] } })).status).toBe(
      200,
    );
    const allowed = await impersonate(service, admin.token, other.id);
    expect(allowed.status).toBe(201);
    const { token } = (await allowed.json()) as Impersonated;
    const adminRoute = await service.call('GET', '/admin/users?query=oth', { token });
    expect(adminRoute.status).toBe(403);
    expect(await adminRoute.json()).toMatchObject({ type: 'urn:tessera:problem:impersonation-forbidden' });

    const outcomes = (await trail(service, admin.token)).filter((entry) => entry.type === 'impersonation.started').map((entry) => entry.outcome);
    expect(outcomes.sort()).toEqual(['denied', 'denied', 'success']);
  });
});
