import type { Cluster } from 'ioredis';
import { KeySpace } from '../../src/store/keys';
import { createRedisClient, waitUntilReady } from '../../src/store/redisClient';
import { parseSessionId } from '../../src/tokens/sessionId';
import { startRedisCluster, waitForClusterOk, type RedisClusterProcess, type RedisProcess } from '../support/redisServer';
import { logoutMissedByPromotedReplica, untilServedAgain } from '../support/failover';
import { roleOf, waitForReplicas, withNode } from '../support/replication';
import { logIn, signUpAndLogIn, startTestService, type TestService } from '../support/service';

describe('when a Redis Cluster master fails over to its replica', () => {
  let cluster: RedisClusterProcess;
  let redis: Cluster;
  let service: TestService;

  beforeAll(async () => {
    cluster = await startRedisCluster(3, 1);
    redis = createRedisClient({ kind: 'cluster', nodes: cluster.nodes }, { logger: null }) as Cluster;
    await waitUntilReady(redis, 10_000);
    // Many users sign up at once from one address: throttling is not what this suite is about.
    service = await startTestService(redis, { DURABLE_REPLICAS: '1', DURABLE_TIMEOUT: '1s', RATE_LIMITS: 'off' });
  }, 60_000);
  afterAll(async () => {
    await service.close();
    redis.disconnect();
    await cluster.destroy();
  });

  /** The master serving a session's slot now, and its replica. */
  async function shardOf(sessionId: string): Promise<{ master: RedisProcess; replica: RedisProcess }> {
    const { tag } = parseSessionId(sessionId)!;
    const live = (await Promise.all(cluster.servers.map(async (s) => ((await roleOf(s.port)) === 'down' ? null : s)))).find(Boolean)!;
    const slot = Number(await withNode(live.port, (node) => node.call('CLUSTER', 'KEYSLOT', new KeySpace('tessera').forUser(tag).user)));
    const ranges = (await withNode(live.port, (node) => node.call('CLUSTER', 'SLOTS'))) as [number, number, ...[string, number][]][];
    const [, , [, masterPort]] = ranges.find(([from, to]) => from <= slot && slot <= to)!;
    const replication = await withNode(masterPort, (node) => node.info('replication'));
    const replicaPort = Number(/^slave0:.*port=(\d+)/m.exec(replication)![1]);
    const byPort = (port: number) => cluster.servers.find((s) => s.port === port)!;
    return { master: byPort(masterPort), replica: byPort(replicaPort) };
  }

  /** Every node up again (a killed master comes back as its successor's replica) and every replica in sync. */
  async function healed(): Promise<void> {
    for (const server of cluster.servers) if ((await roleOf(server.port)) === 'down') await server.restart();
    await waitForClusterOk(cluster.servers.map((s) => s.port));
    for (const server of cluster.servers) if ((await roleOf(server.port)) === 'master') await waitForReplicas(server.port, 1);
  }

  it('answers 503, never 500 or a wrong 200, while it fails over, serves again after, and keeps a 204 logout done', async () => {
    // Users spread over every master's slots; one of them logs out just before its master dies.
    const users = await Promise.all(Array.from({ length: 12 }, (_, i) => signUpAndLogIn(service, `member-${i}`)));
    const revoked = await logIn(service, 'member-0');
    // Logins are not waited for (a fail-over may lose one): let the replicas catch up with them first.
    await healed();
    const { master } = await shardOf(revoked.body.session.id);
    expect((await service.call('POST', '/auth/logout', { token: revoked.token })).status).toBe(204);
    await master.stop('SIGKILL');

    const seen = await untilServedAgain(
      service,
      users.map(({ token }) => token),
      revoked.token,
    );
    expect(seen.has(503)).toBe(true);
    await waitForClusterOk(cluster.servers.filter((s) => s !== master).map((s) => s.port));
    expect((await service.call('GET', '/auth/session', { token: revoked.token })).status).toBe(401);
    await logIn(service, 'member-3');
    await healed();
    expect((await service.call('GET', '/auth/session', { token: revoked.token })).status).toBe(401);
  }, 120_000);

  it('never answers 204 to a logout the promoted replica missed: it answers 503, and the retry sticks', async () => {
    const user = await signUpAndLogIn(service, 'cluster-missed');
    await healed();
    const { master, replica } = await shardOf(user.body.session.id);
    await logoutMissedByPromotedReplica(service, user.token, master, replica, {
      promoted: async () => (await roleOf(replica.port)) === 'master',
      healed,
    });
  }, 150_000);
});
