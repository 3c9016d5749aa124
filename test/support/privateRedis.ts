/**
 * A redis-server of the test's own, with a fail-fast client, for tests that stop, hang or crash
 * Redis (the shared servers must stay up for everyone else).
 */
import type { Redis } from 'ioredis';
import { createRedisClient, waitUntilReady } from '../../src/store/redisClient';
import { eventually } from './eventually';
import { startRedis, type RedisProcess } from './redisServer';
import { startTestService, type TestService } from './service';

export interface PrivateRedis {
  server: RedisProcess;
  redis: Redis;
  /** Disconnects the client and removes the server. */
  destroy(): Promise<void>;
}

/** `args`: extra redis-server options (say, a maxmemory-policy). */
export async function startPrivateRedis(args: string[] = []): Promise<PrivateRedis> {
  const server = await startRedis(args);
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

export interface ServiceOnPrivateRedis {
  /** The test's own redis-server, free to stop, hang or crash. */
  readonly server: RedisProcess;
  readonly service: TestService;
}

/**
 * Gives each test of the enclosing describe a service over a fresh private Redis, and removes
 * both after it. Read the fields inside the tests (they change from test to test).
 */
export function serviceOnPrivateRedis(env: Record<string, string> = {}): ServiceOnPrivateRedis {
  let privateRedis: PrivateRedis;
  let service: TestService;
  beforeEach(async () => {
    privateRedis = await startPrivateRedis();
    service = await startTestService(privateRedis.redis, env);
  });
  afterEach(async () => {
    await service.close();
    await privateRedis.destroy();
  });
  return {
    get server() {
      return privateRedis.server;
    },
    get service() {
      return service;
    },
  };
}

/** Resolves once the service answers /readyz with 200 again (its Redis is back). */
export function untilReady(service: TestService): Promise<void> {
  return eventually(async () => (await service.call('GET', '/readyz')).status === 200, 10_000, 'readiness');
}
