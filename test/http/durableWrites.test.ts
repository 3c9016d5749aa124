import type { Redis } from 'ioredis';
import { createRedisClient, waitUntilReady } from '../../src/store/redisClient';
import type { RedisProcess } from '../support/redisServer';
import { cutOffReplica, startMasterWithReplica, waitForReplicas, type MasterWithReplica } from '../support/replication';
import { logIn, signUpAndLogIn, startTestService, type TestService } from '../support/service';
import { formatRefreshToken, newFamilyId, newRefreshSecret, parseRefreshToken } from '../../src/tokens/refreshToken';

const ADMIN = { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'admin-secret-2468' };

describe('security writes on a Redis master with a replica', () => {
  let master: RedisProcess;
  let replica: RedisProcess;
  let servers: MasterWithReplica;
  let redis: Redis;

  beforeAll(async () => {
    servers = await startMasterWithReplica(['--appendonly', 'no']);
    ({ master, replica } = servers);
    redis = createRedisClient({ kind: 'standalone', url: `redis://127.0.0.1:${master.port}` }, { logger: null }) as Redis;
    await waitUntilReady(redis, 10_000);
  });
  afterAll(async () => {
    redis.disconnect();
    await servers.destroy();
  });

  describe('with DURABLE_REPLICAS=1', () => {
    let service: TestService;
    let admin: string;
    beforeEach(async () => {
      await waitForReplicas(master.port, 1);
      // Eight users sign up at once from one address: more than its password checks in flight.
      // A reuse grace of 1ms: a spent refresh token presented again is reuse, not a retry.
      service = await startTestService(redis, {
        DURABLE_REPLICAS: '1',
        DURABLE_TIMEOUT: '1s',
        PASSWORD_CHECKS_PER_ADDRESS: '16',
        REFRESH_REUSE_GRACE: '1ms',
        ...ADMIN,
      });
      admin = (await logIn(service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD)).token;
    });
    afterEach(() => service.close());

    it('answers a logout the replica confirms with 204', async () => {
      const user = await signUpAndLogIn(service, 'replicated');
      expect((await service.call('POST', '/auth/logout', { token: user.token })).status).toBe(204);
      expect((await service.call('GET', '/auth/session', { token: user.token })).status).toBe(401);
    });

    it('answers 503, saying it may not have taken effect, when no replica confirms; a retry once it is back succeeds', async () => {
      const user = await signUpAndLogIn(service, 'unconfirmed');
      const other = await signUpAndLogIn(service, 'bystander');
      const cut = await cutOffReplica(master, replica);
      try {
        const finished: string[] = [];
        const logout = service.call('POST', '/auth/logout', { token: user.token }).finally(() => finished.push('logout'));
        // The token check never queues behind a write that waits for its replica.
        const check = await service.call('GET', '/auth/session', { token: other.token }).finally(() => finished.push('check'));
        expect(check.status).toBe(200);
        const answer = await logout;
        expect(finished).toEqual(['check', 'logout']);
        expect(answer.status).toBe(503);
        expect(await answer.json()).toMatchObject({
          type: 'urn:tessera:problem:store-unavailable',
          detail: expect.stringMatching(/0 of 1 replicas.*may not have taken effect; repeat the request/),
        });
      } finally {
        cut.resume();
      }
      await waitForReplicas(master.port, 1);
      // The write did reach the master: the token is refused, and a repeated logout-all is confirmed.
      expect((await service.call('GET', '/auth/session', { token: user.token })).status).toBe(401);
      const again = await logIn(service, 'unconfirmed');
      expect((await service.call('POST', '/auth/logout-all', { token: again.token })).status).toBe(204);
    });

    async function rememberedRefreshToken(username: string): Promise<string> {
      await signUpAndLogIn(service, username);
      const response = await service.call('POST', '/auth/login', { body: { username, password: 'correct horse battery', remember: true } });
      return ((await response.json()) as { refreshToken: string }).refreshToken;
    }

    it('answers an unknown or wrong refresh token 401 while the replica is cut off: it wrote nothing to confirm', async () => {
      const real = await rememberedRefreshToken('refresh-holder');
      const { tag } = parseRefreshToken(real)!;
      const cut = await cutOffReplica(master, replica);
      try {
        for (const refreshToken of [formatRefreshToken(tag, newFamilyId(), newRefreshSecret()), real.slice(0, -1) + (real.endsWith('a') ? 'b' : 'a')]) {
          const answer = await service.call('POST', '/auth/refresh', { body: { refreshToken } });
          expect(answer.status).toBe(401);
          expect(await answer.json()).toMatchObject({ type: 'urn:tessera:problem:invalid-refresh-token' });
        }
      } finally {
        cut.resume();
      }
      await waitForReplicas(master.port, 1);
      expect((await service.call('POST', '/auth/refresh', { body: { refreshToken: real } })).status).toBe(200);
    });

    it('holds every security write to the same confirmation', async () => {
      const users = await Promise.all(Array.from({ length: 8 }, (_, i) => signUpAndLogIn(service, `writer-${i}`)));
      const [rotating, reusing] = await Promise.all([rememberedRefreshToken('refresh-rotator'), rememberedRefreshToken('refresh-reuser')]);
      const reuseRotated = await service.call('POST', '/auth/refresh', { body: { refreshToken: reusing } });
      expect(reuseRotated.status).toBe(200);
      const [own, password, adminOne, adminAll, roles, banned, unbanned, everywhere] = users;
      const idOf = (user: (typeof users)[number]) => user.body.user.id;
      expect((await service.call('POST', '/admin/blacklist', { token: admin, body: { userId: idOf(unbanned), reason: 'to lift' } })).status).toBe(201);
      await waitForReplicas(master.port, 1);
      const send = async (method: string, path: string, token: string, body?: unknown) => (await service.call(method, path, { token, body })).status;
      const cut = await cutOffReplica(master, replica);
      try {
        const statuses = [
          await send('DELETE', `/auth/sessions/${own.body.session.id}`, own.token),
          await send('POST', '/auth/password', password.token, { currentPassword: 'correct horse battery', newPassword: 'another horse battery' }),
          await send('DELETE', `/admin/sessions/${adminOne.body.session.id}`, admin),
          await send('POST', `/admin/users/${idOf(adminAll)}/revoke-sessions`, admin),
          await send('PUT', `/admin/users/${idOf(roles)}/roles`, admin, { roles: ['auditor'] }),
          await send('POST', '/admin/blacklist', admin, { userId: idOf(banned), reason: 'abuse' }),
          await send('DELETE', `/admin/blacklist/${idOf(unbanned)}`, admin),
          await send('POST', '/auth/logout-all', everywhere.token),
          (await service.call('POST', '/auth/refresh', { body: { refreshToken: rotating } })).status,
          // Spent before the cut and past its grace: the family ends, and that too must be confirmed.
          (await service.call('POST', '/auth/refresh', { body: { refreshToken: reusing } })).status,
        ];
        expect(statuses).toEqual([503, 503, 503, 503, 503, 503, 503, 503, 503, 503]);
      } finally {
        cut.resume();
      }
    });
  });

  it('does not wait for replicas with DURABLE_REPLICAS=0, the default for a standalone Redis', async () => {
    const service = await startTestService(redis);
    try {
      const user = await signUpAndLogIn(service, 'unwaited');
      await waitForReplicas(master.port, 1);
      const cut = await cutOffReplica(master, replica);
      try {
        expect((await service.call('POST', '/auth/logout', { token: user.token })).status).toBe(204);
      } finally {
        cut.resume();
      }
    } finally {
      await service.close();
    }
  });
});
