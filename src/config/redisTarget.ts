/** Which Redis the configuration names: a Cluster, a URL, or (neither) the embedded one in DATA_DIR. */
import path from 'node:path';
import { REPO_ROOT } from '../server/embeddedRedis';
import type { RedisTarget } from '../store/redisClient';
import type { Config } from './env';

/** The configured Redis, or null when the embedded one is meant. */
export function configuredRedis(config: Config): RedisTarget | null {
  if (config.REDIS_CLUSTER_NODES) {
    return {
      kind: 'cluster',
      nodes: config.REDIS_CLUSTER_NODES.map((hostPort) => {
        const at = hostPort.lastIndexOf(':');
        return { host: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)) };
      }),
    };
  }
  return config.REDIS_URL ? { kind: 'standalone', url: config.REDIS_URL } : null;
}

/** Where the embedded Redis keeps its files and socket. */
export function embeddedRedisDir(config: Config): string {
  return path.join(config.DATA_DIR ?? path.join(REPO_ROOT, '.data'), 'redis');
}
