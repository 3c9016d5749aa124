/**
 * Impersonation on real standalone Redis and a real Cluster: an admin starts a short session as a
 * user, which carries the admin as its actor, may not touch the user's security or admin routes,
 * cannot be refreshed, ends with the admin's logout everywhere or ban, and is audited.
 */
import type { Cluster, Redis } from 'ioredis';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { userKeysOf } from '../support/keys';
import { mastersOf } from '../support/redisInspect';
import { useServices } from '../support/serviceFixture';
import { logIn, signUpAndLogIn, type TestService } from '../support/service';
import { PageClient } from '../support/pageClient';

const ADMIN = { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'admin-secret-2468' };
const PASSWORD = 'correct horse battery';
const CREDENTIAL = 'introspection-credential-for-tests-0123456789';
/** An operator at the CLI, who may grant any role. */
const OPERATOR = { id: 'cli', name: 'cli:test' };

interface Entry {
  type: string;
  actor: { id: string | null; name: string | null };
  impersonated: { id: string; name: string | null } | null;
  target: string | null;
  outcome: string;
  detail: string | null;
}

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

  async function trail(service: TestService, token: string, stream: 'trail' | 'sign-in' = 'trail'): Promise<Entry[]> {
    const response = await service.call('GET', `/admin/audit?limit=100&stream=${stream}`, { token });
    return ((await response.json()) as { entries: Entry[] }).entries;
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
    await service.admin.setRoles(OPERATOR, root.id, ['admin', 'impersonate-admins'], { byOperator: true });
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

    await service.admin.setRoles(OPERATOR, admin.id, ['admin', 'impersonate-admins'], { byOperator: true });
    const allowed = await impersonate(service, admin.token, other.id);
    expect(allowed.status).toBe(201);
    const { token } = (await allowed.json()) as Impersonated;
    const adminRoute = await service.call('GET', '/admin/users?query=oth', { token });
    expect(adminRoute.status).toBe(403);
    expect(await adminRoute.json()).toMatchObject({ type: 'urn:tessera:problem:impersonation-forbidden' });

    const outcomes = (await trail(service, admin.token)).filter((entry) => entry.type === 'impersonation.started').map((entry) => entry.outcome);
    expect(outcomes.sort()).toEqual(['denied', 'denied', 'success']);
  });

  it('lets no admin grant impersonate-admins to themselves, nor grant it without holding it', async () => {
    const { service, admin: root } = await start();
    await service.accounts.createAccount('other-admin', PASSWORD, ['admin']);
    const other = await logIn(service, 'other-admin');
    const grant = (token: string, userId: string) =>
      service.call('PUT', `/admin/users/${userId}/roles`, { token, body: { roles: ['admin', 'impersonate-admins'] } });

    const self = await grant(root.token, root.id);
    expect(self.status).toBe(403);
    expect(await self.json()).toMatchObject({ type: 'urn:tessera:problem:forbidden' });
    // Nor by way of another admin, who would hand it back.
    expect((await grant(root.token, other.body.user.id)).status).toBe(403);
    expect((await grant(other.token, root.id)).status).toBe(403);
    expect((await service.accounts.findById(root.id))!.roles).toEqual(['admin']);
    expect((await service.accounts.findById(other.body.user.id))!.roles).toEqual(['admin']);

    // An admin given it by an operator may pass it on, and keeps it through their own role edits.
    await service.admin.setRoles(OPERATOR, root.id, ['admin', 'impersonate-admins'], { byOperator: true });
    expect((await grant(root.token, other.body.user.id)).status).toBe(200);
    expect((await grant(root.token, root.id)).status).toBe(200);
    // Taking it away needs no such right.
    expect((await service.call('PUT', `/admin/users/${root.id}/roles`, { token: other.token, body: { roles: ['admin'] } })).status).toBe(200);

    const refusals = (await trail(service, root.token)).filter((entry) => entry.type === 'roles.changed' && entry.outcome === 'denied');
    expect(refusals.map((entry) => [entry.actor.id, entry.target])).toEqual(
      expect.arrayContaining([
        [root.id, root.id],
        [root.id, other.body.user.id],
        [other.body.user.id, root.id],
      ]),
    );
  });

  it('names the admin as actor and the user as impersonated, at start, in acts done as the user, and at the end', async () => {
    const { service, admin } = await start();
    const uma = await signUpAndLogIn(service, 'ursula');
    const started = (await (await impersonate(service, admin.token, uma.body.user.id)).json()) as Impersonated;
    const second = (await (await impersonate(service, admin.token, uma.body.user.id)).json()) as Impersonated;
    const asUser = { id: uma.body.user.id, name: 'ursula' };
    const asAdmin = { id: admin.id, name: 'root' };

    // An act done in the impersonation session is the admin's, as the user.
    expect((await service.call('POST', '/auth/logout', { token: started.token })).status).toBe(204);
    const logouts = (await trail(service, admin.token, 'sign-in')).filter((entry) => entry.type === 'logout' && entry.target === started.session.id);
    expect(logouts).toEqual([expect.objectContaining({ actor: asAdmin, impersonated: asUser })]);

    expect((await service.call('POST', '/auth/logout-all', { token: admin.token })).status).toBe(204);
    const root = await logIn(service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const entries = await trail(service, root.token);
    expect(entries.filter((entry) => entry.type === 'impersonation.started')).toEqual([
      expect.objectContaining({ actor: asAdmin, impersonated: asUser, target: uma.body.user.id, outcome: 'success' }),
      expect.objectContaining({ actor: asAdmin, impersonated: asUser, target: uma.body.user.id, outcome: 'success' }),
    ]);
    // Only the one still live ended with the admin's logout everywhere.
    const ended = entries.filter((entry) => entry.type === 'impersonation.ended');
    expect(ended).toEqual([expect.objectContaining({ actor: asAdmin, impersonated: asUser, target: admin.id })]);
    expect(ended[0].detail).toContain(second.session.id);
    // A user's own acts name no one impersonated.
    expect((await service.call('POST', '/auth/logout', { token: uma.token })).status).toBe(204);
    const own = (await trail(service, root.token, 'sign-in')).find((entry) => entry.type === 'logout' && entry.target === uma.body.session.id);
    expect(own).toMatchObject({ actor: asUser, impersonated: null });
  });

  it('outlives no cut-off of the admin that lands while it is being made', async () => {
    const { service, admin: root } = await start();
    const vic = await signUpAndLogIn(service, 'wendy');
    await service.accounts.createAccount('helper', PASSWORD, ['admin']);
    const cutOffs: [string, (helper: { token: string; id: string }) => Promise<number>][] = [
      ['logout everywhere', async (helper) => (await service.call('POST', '/auth/logout-all', { token: helper.token })).status],
      ['ban', async (helper) => (await service.call('POST', '/admin/blacklist', { token: root.token, body: { userId: helper.id, reason: 'misuse' } })).status],
      ['demotion', async (helper) => (await service.call('PUT', `/admin/users/${helper.id}/roles`, { token: root.token, body: { roles: [] } })).status],
    ];
    for (const [how, cutOff] of cutOffs) {
      const login = await logIn(service, 'helper');
      const helper = { token: login.token, id: login.body.user.id };
      // The request passed its guards as an admin; the cut-off lands before the session is made.
      expect([how, await cutOff(helper)]).toEqual([how, expect.any(Number)]);
      const asked = service.admin.impersonate({ id: helper.id, name: 'helper' }, { roles: ['admin'], sessionId: login.body.session.id }, vic.body.user.id, {});
      await expect(asked).rejects.toMatchObject({ status: 401 });
      const { sessions } = await service.sessions.list(vic.body.user.id);
      expect([how, sessions.map((session) => session.id)]).toEqual([how, [vic.body.session.id]]);
      await service.admin.unban(OPERATOR, helper.id).catch(() => undefined);
      await service.admin.setRoles(OPERATOR, helper.id, ['admin'], { byOperator: true });
    }
  });

  it('spends no Redis command on impersonations when a user who is no admin logs out', async () => {
    const prefix = uniquePrefix();
    const service = await suite.serve({ ...ADMIN, KEY_PREFIX: prefix });
    const user = await signUpAndLogIn(service, 'plain');
    const root = await logIn(service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const listOf = (sessionId: string) => userKeysOf(prefix, sessionId).impersonations;

    const plain = await commandsDuring(suite.redis, async () => {
      expect((await service.call('POST', '/auth/logout', { token: user.token })).status).toBe(204);
      const again = await logIn(service, 'plain');
      expect((await service.call('POST', '/auth/logout-all', { token: again.token })).status).toBe(204);
    });
    expect(plain.filter((command) => command.includes(listOf(user.body.session.id)))).toEqual([]);
    // The same watch sees an admin's logout look for their impersonations.
    const admin = await commandsDuring(suite.redis, async () => {
      expect((await service.call('POST', '/auth/logout', { token: root.token })).status).toBe(204);
    });
    expect(admin.filter((command) => command.includes(listOf(root.body.session.id)))).not.toEqual([]);
  });
});

/** Every command the Redis masters ran while `during` ran (scripts' inner commands too), as text. */
async function commandsDuring(redis: Redis | Cluster, during: () => Promise<void>): Promise<string[]> {
  const monitors = await Promise.all((await mastersOf(redis)).map((node) => node.monitor()));
  const seen: string[] = [];
  for (const monitor of monitors) monitor.on('monitor', (_time: string, args: string[]) => seen.push(args.join(' ')));
  try {
    await during();
    // MONITOR's stream trails the replies a little.
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    for (const monitor of monitors) monitor.disconnect();
  }
  return seen;
}
