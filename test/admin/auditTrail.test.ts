import type { Cluster, Redis } from 'ioredis';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { logIn, signUpAndLogIn, startTestService, type TestService } from '../support/service';
import { KeySpace } from '../support/keys';

const ADMIN = { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'admin-secret-2468' };

interface Entry {
  type: string;
  target: string | null;
  outcome: string;
}

describe.each(BACKENDS)('the audit trail on $name Redis', (backend) => {
  let redis: Redis | Cluster;
  let service: TestService;
  let prefix: string;

  beforeAll(async () => {
    redis = await backend.connect();
    prefix = uniquePrefix();
    // The smallest caps allowed, so a flood would trim the trail if it could reach it.
    service = await startTestService(redis, { KEY_PREFIX: prefix, AUDIT_MAX_ENTRIES: '100', AUDIT_SIGNIN_MAX_ENTRIES: '100', TRUST_PROXY: 'on', ...ADMIN });
  });
  afterAll(async () => {
    await service.close();
    await redis.quit();
  });

  async function page(token: string, stream: string): Promise<Entry[]> {
    const response = await service.call('GET', `/admin/audit?limit=100&stream=${stream}`, { token });
    expect(response.status).toBe(200);
    return ((await response.json()) as { entries: Entry[] }).entries;
  }

  it('keeps an admin’s ban after 300 failed logins, which go to their own capped stream', async () => {
    const admin = await logIn(service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const target = await signUpAndLogIn(service, 'flooded');
    const ban = await service.call('POST', '/admin/blacklist', { token: admin.token, body: { userId: target.body.user.id, reason: 'audit test' } });
    expect(ban.status).toBe(201);

    for (let i = 0; i < 300; i += 1) {
      const username = i % 2 ? 'flooded' : `nobody-${i}`;
      // From an address of its own: the flood throttles that address, not the admin's.
      const failed = await service.call('POST', '/auth/login', {
        body: { username, password: `wrong-guess-${i}` },
        headers: { 'x-forwarded-for': '198.51.100.66' },
      });
      expect([401, 429]).toContain(failed.status);
    }

    expect(await page(admin.token, 'trail')).toContainEqual(
      expect.objectContaining({ type: 'user.banned', target: target.body.user.id, outcome: 'success' }),
    );
    const signIns = await page(admin.token, 'sign-in');
    expect(signIns.filter((e) => e.type === 'login.failed').length).toBeGreaterThan(50);
    // Capped: trimmed a listpack node at a time, so within one node (100 entries) of the cap.
    expect(await redis.xlen(new KeySpace(prefix).signInAudit())).toBeLessThanOrEqual(200);
  }, 60_000);

  it('keeps a user’s failed acts out of the trail', async () => {
    const admin = await logIn(service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const user = await signUpAndLogIn(service, 'quiet-user');
    const before = (await page(admin.token, 'trail')).length;
    const id = user.body.session.id;
    const notLive = `${id.slice(0, -1)}${id.endsWith('x') ? 'y' : 'x'}`;
    for (let i = 0; i < 5; i += 1) {
      expect((await service.call('DELETE', `/auth/sessions/${notLive}`, { token: user.token })).status).toBe(404);
      await service.call('POST', '/auth/password', { token: user.token, body: { currentPassword: 'not-my-password', newPassword: 'whatever-new-1' } });
    }
    expect((await page(admin.token, 'trail')).length).toBe(before);
    expect(await page(admin.token, 'sign-in')).toContainEqual(expect.objectContaining({ type: 'password.changed', outcome: 'failure' }));
  });
});
