import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { createRedisClient, waitUntilReady } from '../../src';
import { startRedis, type RedisProcess } from '../support/redisServer';

describe('createRedisClient', () => {
  let server: RedisProcess;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server.destroy());

  it('can be awaited until ready, so the first command is not refused', async () => {
    const redis = createRedisClient({ kind: 'standalone', url: `redis://127.0.0.1:${server.port}` }, { logger: null });
    try {
      await waitUntilReady(redis);
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  it('rejects the wait when Redis does not come, naming the time waited', async () => {
    const redis = createRedisClient({ kind: 'standalone', url: 'redis://127.0.0.1:1' }, { logger: null });
    try {
      await expect(waitUntilReady(redis, 300)).rejects.toThrow('Redis at 127.0.0.1:1 was not ready within 300 ms');
    } finally {
      redis.disconnect();
    }
  });

  it('names where it tried in that rejection, never the password', async () => {
    const tries: Array<[Parameters<typeof createRedisClient>[0], string]> = [
      [{ kind: 'standalone', url: 'redis://:hunter2-secret@127.0.0.1:1' }, 'Redis at 127.0.0.1:1 was'],
      [{ kind: 'standalone', path: '/nonexistent/redis.sock' }, 'Redis at the socket /nonexistent/redis.sock was'],
      [
        {
          kind: 'sentinel',
          sentinels: [{ host: '127.0.0.1', port: 1 }],
          masterName: 'tessera',
          sentinelPassword: 'hunter2-secret',
          password: 'hunter2-secret',
        },
        'Redis at the sentinels 127.0.0.1:1 (master tessera) was',
      ],
      [{ kind: 'cluster', nodes: [{ host: '127.0.0.1', port: 1 }], password: 'hunter2-secret' }, 'Redis at the Cluster nodes 127.0.0.1:1 was'],
    ];
    for (const [target, expected] of tries) {
      const redis = createRedisClient(target, { logger: null });
      try {
        const error = (await waitUntilReady(redis, 300).catch((caught: unknown) => caught)) as Error;
        expect(error.message).toContain(expected);
        expect(error.message).not.toContain('hunter2');
      } finally {
        redis.disconnect();
      }
    }
  });

  it('logs one line when an outage begins and one when it ends, however many reconnects fail', async () => {
    const lines: string[] = [];
    const logger = { warn: (line: string) => lines.push(`warn: ${line}`), info: (line: string) => lines.push(`info: ${line}`) };
    const redis = createRedisClient({ kind: 'standalone', url: `redis://127.0.0.1:${server.port}` }, { logger }) as Redis;
    try {
      await waitUntilReady(redis);
      await server.stop('SIGKILL');
      for (let failedAttempts = 0; failedAttempts < 3; failedAttempts++) await once(redis, 'error');
      expect(lines).toEqual([expect.stringMatching(/^warn: Redis connection lost \(.*ECONNREFUSED.*\); session checks answer 503 until it is back\.$/)]);
      const back = once(redis, 'ready');
      await server.restart();
      await back;
      expect(lines.slice(1)).toEqual(['info: Redis connection is back.']);
    } finally {
      redis.disconnect();
    }
  });
});
