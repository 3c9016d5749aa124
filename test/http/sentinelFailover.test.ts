import type { Redis } from 'ioredis';
import { createRedisClient, waitUntilReady } from '../../src/store/redisClient';
import { logoutMissedByPromotedReplica, retriedUntilAnswered, untilServedAgain } from '../support/failover';
import { roleOf, startSentinelSetup, waitForReplicas, withNode, type SentinelSetup } from '../support/replication';
import { logIn, signUpAndLogIn, startTestService, type TestService } from '../support/service';

describe('behind Redis Sentinel, when the master dies', () => {
  let setup: SentinelSetup;
  let redis: Redis;
  let service: TestService;

  beforeAll(async () => {
    setup = await startSentinelSetup();
    redis = createRedisClient({ kind: 'sentinel', sentinels: setup.sentinels, masterName: setup.masterName }) as Redis;
    redis.on('error', () => undefined);
    await waitUntilReady(redis, 10_000);
    // As `npm start` configures it: with Sentinel, security writes wait for 1 replica unless told otherwise.
    service = await startTestService(redis, {
      REDIS_SENTINELS: setup.sentinels.map((s) => `${s.host}:${s.port}`).join(','),
      REDIS_SENTINEL_MASTER: setup.masterName,
      DURABLE_TIMEOUT: '1s',
    });
  }, 60_000);
  afterAll(async () => {
    await service.close();
    redis.disconnect();
    await setup.destroy();
  });

  /**
   * Brings the killed node back as a replica of the new master. That is what the sentinels do to a
   * master that returns, but a sentinel on a loaded machine can pause itself (TILT) again and
   * again; told here, the node does not wait on them.
   */
  async function healed(): Promise<void> {
    const master = await setup.master();
    for (const server of setup.servers) {
      if ((await roleOf(server.port)) !== 'down') continue;
      await server.restart();
      await withNode(server.port, (node) => node.call('REPLICAOF', '127.0.0.1', String(master.port)));
    }
    await waitForReplicas(master.port, 1).catch(async (error: Error) => {
      throw new Error(`${error.message}; ${await setup.describe()}`);
    });
  }

  it('answers 503 for a while, then serves again without a restart; a logout acknowledged just before stays done', async () => {
    const users = await Promise.all(Array.from({ length: 4 }, (_, i) => signUpAndLogIn(service, `sentinel-${i}`)));
    const revoked = await logIn(service, 'sentinel-0');
    const master = await setup.master();
    await waitForReplicas(master.port, 1);
    expect((await service.call('POST', '/auth/logout', { token: revoked.token })).status).toBe(204);
    await master.stop('SIGKILL');

    // A sentinel on a starved machine can pause itself (TILT) for 30 s: when service does not return, say what each one saw.
    const seen = await untilServedAgain(
      service,
      users.map(({ token }) => token),
      revoked.token,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}; client ${redis.status}; ${await setup.describe()}`);
    });
    expect(seen.has(503)).toBe(true);
    expect((await service.call('GET', '/auth/session', { token: revoked.token })).status).toBe(401);
    const fresh = await logIn(service, 'sentinel-1');
    expect((await service.call('GET', '/auth/session', { token: fresh.token })).status).toBe(200);

    // The new master has no replica until the old one is back: a logout cannot be confirmed yet.
    const unconfirmed = await service.call('POST', '/auth/logout', { token: fresh.token });
    expect(unconfirmed.status).toBe(503);
    await healed();
    // Once the old master is back as a replica, logouts are confirmed again.
    const retried = await logIn(service, 'sentinel-2');
    // An attempt answered 503 may still have taken effect; its retry then finds the token gone (401).
    expect([204, 401]).toContain(await retriedUntilAnswered(() => service.call('POST', '/auth/logout', { token: retried.token })));
    expect((await service.call('GET', '/auth/session', { token: retried.token })).status).toBe(401);
  }, 120_000);

  it('never lets a logout the promoted replica missed come undone: it answers 503, and the retry sticks', async () => {
    const user = await signUpAndLogIn(service, 'sentinel-missed');
    const master = await setup.master();
    const replica = setup.servers.find((server) => server !== master)!;
    await waitForReplicas(master.port, 1);
    await logoutMissedByPromotedReplica(service, user.token, master, replica, {
      promoted: async () => (await setup.master()) === replica,
      healed,
    });
  }, 120_000);
});
