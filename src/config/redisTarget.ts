/** Which Redis the configuration names: a Cluster, Sentinel, a URL, or (none) the embedded one in DATA_DIR. */
import path from 'node:path';
import { REPO_ROOT } from '../paths';
import type { RedisNode, RedisTarget } from '../store/redisClient';
import type { Config } from './env';

/** The configured Redis, or null when the embedded one is meant. */
export function configuredRedis(config: Config): RedisTarget | null {
  if (config.REDIS_CLUSTER_NODES) {
    return { kind: 'cluster', nodes: config.REDIS_CLUSTER_NODES.map(toNode), password: config.REDIS_PASSWORD };
  }
  if (config.REDIS_SENTINELS && config.REDIS_SENTINEL_MASTER) {
    return {
      kind: 'sentinel',
      sentinels: config.REDIS_SENTINELS.map(toNode),
      masterName: config.REDIS_SENTINEL_MASTER,
      sentinelPassword: config.REDIS_SENTINEL_PASSWORD,
      password: config.REDIS_PASSWORD,
    };
  }
  return config.REDIS_URL ? { kind: 'standalone', url: config.REDIS_URL } : null;
}

/**
 * Where the embedded Redis keeps its files and socket, as an absolute path: redis-server resolves a
 * relative unix socket path from its --dir, not from where it was started. A relative DATA_DIR is
 * taken from the working directory (the repository's root under `npm start`).
 */
export function embeddedRedisDir(config: Config): string {
  return path.resolve(config.DATA_DIR ?? path.join(REPO_ROOT, '.data'), 'redis');
}

function toNode(hostPort: string): RedisNode {
  const at = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)) };
}
