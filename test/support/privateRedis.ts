/**
 * A redis-server of the test's own, with a fail-fast client, for tests that stop, hang or crash
 * Redis (the shared servers must stay up for everyone else).
 */
import type { Redis } from 'ioredis';
import { createRedisClient, waitUntilReady } from '../../src/store/redisClient';
import { startRedis, type RedisProcess } from './redisServer';

export interface PrivateRedis {
  server: RedisProcess;
  redis: Redis;
  /** Disconnects the client and removes the server. */
  destroy(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const server = await startRedis();
  const redis = createRedisClient({ kind: 'standalone', url: `redis://127.0.0.1:${server.port}` }, { logger: null }) as Redis;
  await waitUntilReady(redis, 10_000);
  return {
    server,
    redis,
    async destroy() {
      redis.disconnect();
      await server.destroy();
    },
  };
}
