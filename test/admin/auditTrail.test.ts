import { BACKENDS } from '../support/backends';
import { logIn, signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';
import { KeySpace } from '../support/keys';

const ADMIN = { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'admin-secret-2468' };

interface Entry {
  type: string;
  target: string | null;
  outcome: string;
}

describe.each(BACKENDS)('the audit trail on $name Redis', (backend) => {
  // The smallest caps allowed, so a flood would trim the trail if it could reach it.
  const suite = useService(backend, { AUDIT_MAX_ENTRIES: '100', AUDIT_SIGNIN_MAX_ENTRIES: '100', TRUST_PROXY: 'on', ...ADMIN });

  async function page(token: string, stream: string): Promise<Entry[]> {
    const response = await suite.service.call('GET', `/admin/audit?limit=100&stream=${stream}`, { token });
    expect(response.status).toBe(200);
    return ((await response.json()) as { entries: Entry[] }).entries;
  }

  it('keeps an admin’s ban after 300 failed logins, which go to their own capped stream', async () => {
    const admin = await logIn(suite.service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const target = await signUpAndLogIn(suite.service, 'flooded');
    const ban = await suite.service.call('POST', '/admin/blacklist', { token: admin.token, body: { userId: target.body.user.id, reason: 'audit test' } });
    expect(ban.status).toBe(201);

    for (let i = 0; i < 300; i += 1) {
      const username = i % 2 ? 'flooded' : `nobody-${i}`;
      // From an address of its own: the flood throttles that address, not the admin's.
      const failed = await suite.service.call('POST', '/auth/login', {
        body: { username, password: `wrong-guess-${i}` },
        headers: { 'x-forwarded-for': '198.51.100.66' },
      });
      expect([401, 429]).toContain(failed.status);
    }

    expect(await page(admin.token, 'trail')).toContainEqual(expect.objectContaining({ type: 'user.banned', target: target.body.user.id, outcome: 'success' }));
    const signIns = await page(admin.token, 'sign-in');
    expect(signIns.filter((e) => e.type === 'login.failed').length).toBeGreaterThan(50);
    // Capped: trimmed a listpack node at a time, so within one node (100 entries) of the cap.
    expect(await suite.redis.xlen(new KeySpace(suite.prefix).signInAudit())).toBeLessThanOrEqual(200);
  }, 60_000);

  it('keeps an admin’s ban after 500 self-revokes, which go to the sign-in stream', async () => {
    const admin = await logIn(suite.service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const banned = await signUpAndLogIn(suite.service, 'banned-early');
    expect(
      (await suite.service.call('POST', '/admin/blacklist', { token: admin.token, body: { userId: banned.body.user.id, reason: 'before the flood' } })).status,
    ).toBe(201);
    const trailBefore = await page(admin.token, 'trail');

    const revoker = await signUpAndLogIn(suite.service, 'self-revoker');
    for (let i = 0; i < 500; i += 1) {
      const other = await logIn(suite.service, 'self-revoker');
      const revoked = await suite.service.call('DELETE', `/auth/sessions/${other.body.session.id}`, { token: revoker.token });
      expect(revoked.status).toBe(204);
    }

    const trail = await page(admin.token, 'trail');
    expect(trail).toEqual(trailBefore);
    expect(trail).toContainEqual(expect.objectContaining({ type: 'user.banned', target: banned.body.user.id, outcome: 'success' }));
    const signIns = await page(admin.token, 'sign-in');
    expect(signIns.filter((e) => e.type === 'session.revoked' && e.outcome === 'success').length).toBeGreaterThan(40);
  }, 120_000);

  it('keeps a user’s failed acts out of the trail', async () => {
    const admin = await logIn(suite.service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const user = await signUpAndLogIn(suite.service, 'quiet-user');
    const before = (await page(admin.token, 'trail')).length;
    const id = user.body.session.id;
    const notLive = `${id.slice(0, -1)}${id.endsWith('x') ? 'y' : 'x'}`;
    for (let i = 0; i < 5; i += 1) {
      expect((await suite.service.call('DELETE', `/auth/sessions/${notLive}`, { token: user.token })).status).toBe(404);
      await suite.service.call('POST', '/auth/password', { token: user.token, body: { currentPassword: 'not-my-password', newPassword: 'whatever-new-1' } });
    }
    expect((await page(admin.token, 'trail')).length).toBe(before);
    expect(await page(admin.token, 'sign-in')).toContainEqual(expect.objectContaining({ type: 'password.changed', outcome: 'failure' }));
  });
});
