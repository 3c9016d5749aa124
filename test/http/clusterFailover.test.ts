import type { Cluster } from 'ioredis';
import { Redis } from 'ioredis';
import { createRedisClient, waitUntilReady } from '../../src/store/redisClient';
import { startRedisCluster, waitForClusterOk, type RedisClusterProcess } from '../support/redisServer';
import { logIn, signUpAndLogIn, startTestService, type TestService } from '../support/service';

async function roleOf(port: number): Promise<string> {
  const probe = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return String(((await probe.call('ROLE')) as unknown[])[0]);
  } catch {
    return 'down';
  } finally {
    probe.disconnect();
  }
}

describe('when a Redis Cluster master fails over to its replica', () => {
  let cluster: RedisClusterProcess;
  let redis: Cluster;
  let service: TestService;

  beforeAll(async () => {
    cluster = await startRedisCluster(3, 1);
    redis = createRedisClient({ kind: 'cluster', nodes: cluster.nodes }, { logger: null }) as Cluster;
    await waitUntilReady(redis, 10_000);
    service = await startTestService(redis);
  }, 60_000);
  afterAll(async () => {
    await service.close();
    redis.disconnect();
    await cluster.destroy();
  });

  it('answers 503, never 500 or a wrong 200, while it fails over, and serves again after', async () => {
    // Users spread over every master's slots; one of them logs out before the failure.
    const users = await Promise.all(Array.from({ length: 12 }, (_, i) => signUpAndLogIn(service, `member-${i}`)));
    const revoked = await logIn(service, 'member-0');
    expect((await service.call('POST', '/auth/logout', { token: revoked.token })).status).toBe(204);
    // Make sure every write reached the replicas (which may still be syncing) before a master dies.
    for (const master of redis.nodes('master')) {
      const deadline = Date.now() + 15_000;
      while (Number(await master.call('WAIT', '1', '500')) < 1) {
        if (Date.now() > deadline) throw new Error('a replica never caught up');
      }
    }

    const roles = await Promise.all(cluster.servers.map((server) => roleOf(server.port)));
    const victim = cluster.servers[roles.indexOf('master')];
    await victim.stop('SIGKILL');

    const seen = new Set<number>();
    const deadline = Date.now() + 30_000;
    let allBack = false;
    while (!allBack && Date.now() < deadline) {
      const statuses = await Promise.all(users.map(({ token }) => service.call('GET', '/auth/session', { token }).then((r) => r.status)));
      const revokedStatus = (await service.call('GET', '/auth/session', { token: revoked.token })).status;
      statuses.forEach((status) => seen.add(status));
      expect([401, 503]).toContain(revokedStatus);
      expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
      allBack = statuses.every((status) => status === 200);
      if (!allBack) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(allBack).toBe(true);
    expect(seen.has(503)).toBe(true);
    await waitForClusterOk(cluster.servers.filter((s) => s !== victim).map((s) => s.port));
    expect((await service.call('GET', '/auth/session', { token: revoked.token })).status).toBe(401);
    await logIn(service, 'member-3');
  }, 60_000);
});
