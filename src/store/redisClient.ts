/**
 * ioredis clients that fail fast. ioredis' defaults queue commands while disconnected and retry
 * them for tens of seconds, which would hold a request open; a session check must instead fail
 * closed within about a second (503) and recover by itself when Redis returns, or when Cluster or
 * Sentinel has promoted a replica.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * ioredis options that fail a command within about a second while Redis is away (no offline queue,
 * no retries, 1 s timeouts) and reconnect by themselves; for a client you make yourself.
 */
export const FAIL_FAST_REDIS_OPTIONS: Readonly<RedisOptions> = Object.freeze({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 1000,
  connectTimeout: 1000,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
});

/** One Redis node or sentinel. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Which Redis to connect to: a standalone server (URL or unix socket), a Cluster by its seed nodes, or a master found through Sentinels. */
export type RedisTarget =
  | { kind: 'standalone'; url?: string; path?: string }
  | { kind: 'cluster'; nodes: RedisNode[]; password?: string }
  | { kind: 'sentinel'; sentinels: RedisNode[]; masterName: string; sentinelPassword?: string; password?: string };

/** The startup nodes of the Clusters made here, to name them when none can be reached. */
const clusterNodes = new WeakMap<Redis | Cluster, readonly RedisNode[]>();

/** Where a client made by createRedisClient reports an outage; console and pino loggers fit. */
export interface ConnectionLogger {
  /** The connection was lost (once per outage). */
  warn(message: string): void;
  /** The connection is back. */
  info(message: string): void;
}

/** How `createRedisClient` sets up its client. */
export interface RedisClientOptions {
  /** ioredis options laid over the fail-fast ones (password, tls, db, ...). For a Cluster, its nodes' options. */
  redisOptions?: RedisOptions;
  /** Gets one warning when the connection is lost and one line when it is back. Default console; null: silent. */
  logger?: ConnectionLogger | null;
}

/**
 * A fail-fast ioredis client, connecting in the background: wait for it with waitUntilReady()
 * before the first command, which would otherwise be refused (there is no offline queue).
 * Connection errors are reported once per outage, never as unhandled 'error' events.
 */
export function createRedisClient(target: RedisTarget, clientOptions: RedisClientOptions = {}): Redis | Cluster {
  const client = connect(target, { ...FAIL_FAST_REDIS_OPTIONS, ...clientOptions.redisOptions });
  if (target.kind === 'cluster') clusterNodes.set(client, target.nodes);
  reportOutages(client, clientOptions.logger === undefined ? console : clientOptions.logger);
  return client;
}

function connect(target: RedisTarget, options: RedisOptions): Redis | Cluster {
  if (target.kind === 'sentinel') {
    return new Redis({
      ...options,
      sentinels: target.sentinels,
      name: target.masterName,
      sentinelPassword: target.sentinelPassword,
      password: target.password ?? options.password,
      // Sentinels are asked afresh on every reconnect; with none answering, keep asking, never give up.
      sentinelRetryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
      // No failoverDetector: a +switch-master that arrives while the client is reconnecting aborts
      // that attempt, and ioredis then ends the client for good (seen in the Sentinel fail-over test).
      // A dead master closes its connections, and a demoted one drops its clients, which is enough.
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

/** ioredis emits 'error' on every failed reconnect attempt; one line per outage is what an operator needs. */
function reportOutages(client: Redis | Cluster, logger: ConnectionLogger | null): void {
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger?.warn(`Redis connection lost (${error.message}); session checks answer 503 until it is back.`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger?.info('Redis connection is back.');
  });
}

/** Resolves once the client is ready (connected, and for a Cluster, its slots known), or rejects after timeoutMs. */
export async function waitUntilReady(redis: Redis | Cluster, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis at ${describeTarget(redis)} was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    function onReady(): void {
      clearTimeout(timer);
      resolve();
    }
    redis.once('ready', onReady);
  });
}

/** Where a client connects, for an operator: addresses and socket paths only, never a password. */
function describeTarget(redis: Redis | Cluster): string {
  if (redis instanceof Cluster) {
    // ioredis keeps a Cluster's startup nodes private, and drops the nodes it failed to reach.
    const nodes = clusterNodes.get(redis) ?? redis.nodes('all').map((node) => node.options);
    return nodes.length > 0 ? `the Cluster nodes ${nodes.map((node) => `${node.host}:${node.port}`).join(', ')}` : 'the Cluster';
  }
  const { sentinels, name, path, host, port } = redis.options;
  if (sentinels && sentinels.length > 0) {
    return `the sentinels ${sentinels.map((sentinel) => `${sentinel.host}:${sentinel.port}`).join(', ')} (master ${name})`;
  }
  return path ? `the socket ${path}` : `${host}:${port}`;
}
