import type { Redis } from 'ioredis';
import { createRedisClient, waitUntilReady } from '../../src/store/redisClient';
import { startPrivateRedis } from '../support/privateRedis';
import { sampleValue, scrape } from '../support/scrape';
import { startTestService } from '../support/service';

describe('a Redis that may evict Tessera’s keys', () => {
  it('is refused at start under allkeys-lru, naming the policy and the way out', async () => {
    const evicting = await startPrivateRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    try {
      await expect(startTestService(evicting.redis)).rejects.toThrow(
        "Redis's maxmemory-policy is allkeys-lru: when full, it may evict revocations and bring revoked sessions back. Set maxmemory-policy noeviction, or ALLOW_REDIS_EVICTION=on to accept the risk.",
      );
    } finally {
      await evicting.destroy();
    }
  });

  it('is accepted with ALLOW_REDIS_EVICTION=on, and /readyz says what was accepted; a metric shows how full Redis is', async () => {
    const evicting = await startPrivateRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    const service = await startTestService(evicting.redis, { ALLOW_REDIS_EVICTION: 'on', METRICS_PORT: '0' });
    try {
      const ready = await service.call('GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ready',
        warnings: [
          "Redis's maxmemory-policy is allkeys-lru: when full, it may evict revocations and bring revoked sessions back (accepted by ALLOW_REDIS_EVICTION=on)",
        ],
      });
      const info = await evicting.redis.info('memory');
      const used = Number(/^used_memory:(\d+)/m.exec(info)![1]);
      const ratio = sampleValue(await scrape(service.metricsPort!), 'tessera_redis_memory_used_ratio');
      expect(ratio).toBeGreaterThan(0);
      // Within a few kilobytes of what INFO said just before (the scrape itself uses some).
      expect(Math.abs(ratio * 64 * 1024 * 1024 - used)).toBeLessThan(1024 * 1024);
    } finally {
      await service.close();
      await evicting.destroy();
    }
  });

  it('turns /readyz to 503 when the policy changes under a running service, and back', async () => {
    const redis = await startPrivateRedis();
    const service = await startTestService(redis.redis);
    try {
      expect(await (await service.call('GET', '/readyz')).json()).toEqual({ status: 'ready' });
      for (const policy of ['volatile-ttl', 'allkeys-lfu']) {
        await redis.redis.config('SET', 'maxmemory-policy', policy);
        const answer = await service.call('GET', '/readyz');
        expect(answer.status).toBe(503);
        expect(await answer.json()).toMatchObject({
          type: 'urn:tessera:problem:store-evicts',
          detail: expect.stringContaining(`maxmemory-policy is ${policy}`),
        });
      }
      await redis.redis.config('SET', 'maxmemory-policy', 'noeviction');
      expect((await service.call('GET', '/readyz')).status).toBe(200);
    } finally {
      await service.close();
      await redis.destroy();
    }
  });

  it('starts and stays ready when Redis refuses INFO to Tessera’s user, as an ACL without @dangerous does', async () => {
    const redis = await startPrivateRedis(['--maxmemory-policy', 'allkeys-lru']);
    await redis.redis.acl('SETUSER', 'limited', 'on', '>limited-secret', '~*', '&*', '+@all', '-info');
    const limited = createRedisClient({ kind: 'standalone', url: `redis://limited:limited-secret@127.0.0.1:${redis.server.port}` }, { logger: null }) as Redis;
    await waitUntilReady(limited, 10_000);
    expect(await limited.info('memory').catch((error: Error) => error.message)).toMatch(/^NOPERM/);
    const service = await startTestService(limited);
    try {
      expect(await (await service.call('GET', '/readyz')).json()).toEqual({ status: 'ready' });
    } finally {
      await service.close();
      limited.disconnect();
      await redis.destroy();
    }
  });
});
