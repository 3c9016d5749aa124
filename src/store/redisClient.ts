/**
 * ioredis clients that fail fast. ioredis' defaults queue commands while disconnected and retry
 * them for tens of seconds, which would hold a request open; a session check must instead fail
 * closed within about a second (503) and recover by itself when Redis returns, or when Cluster or
 * Sentinel has promoted a replica.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export const FAIL_FAST_REDIS_OPTIONS: Readonly<RedisOptions> = Object.freeze({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 1000,
  connectTimeout: 1000,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
});

export interface RedisNode {
  host: string;
  port: number;
}

export type RedisTarget =
  | { kind: 'standalone'; url?: string; path?: string }
  | { kind: 'cluster'; nodes: RedisNode[]; password?: string }
  | { kind: 'sentinel'; sentinels: RedisNode[]; masterName: string; sentinelPassword?: string; password?: string };

export function createRedisClient(target: RedisTarget, overrides: RedisOptions = {}): Redis | Cluster {
  const options: RedisOptions = { ...FAIL_FAST_REDIS_OPTIONS, ...overrides };
  if (target.kind === 'sentinel') {
    return new Redis({
      ...options,
      sentinels: target.sentinels,
      name: target.masterName,
      sentinelPassword: target.sentinelPassword,
      password: target.password ?? options.password,
      // Sentinels are asked afresh on every reconnect; with none answering, keep asking, never give up.
      sentinelRetryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
      // Reconnect as soon as a sentinel announces a new master, not when the old one times out.
      failoverDetector: true,
    });
  }
  if (target.kind === 'cluster') {
    return new Cluster(target.nodes, {
      enableOfflineQueue: false,
      redisOptions: target.password ? { ...options, password: target.password } : options,
      clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      slotsRefreshTimeout: 1000,
    });
  }
  if (target.path) return new Redis({ ...options, path: target.path });
  return target.url ? new Redis(target.url, options) : new Redis(options);
}

/** Resolves once the client is ready, or rejects after timeoutMs. */
export async function waitUntilReady(redis: Redis | Cluster, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    function onReady(): void {
      clearTimeout(timer);
      resolve();
    }
    redis.once('ready', onReady);
  });
}
