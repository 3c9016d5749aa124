/**
 * The Redis client Tessera accepts, and the checks made when it is handed one. The public type is
 * structural, so a client from the app's own ioredis (major 5 or 6) fits whichever copy of the
 * ioredis types Tessera was compiled against.
 */
import { TesseraArgumentError } from '../errors';
import type { RedisClient } from './scripts';

/** An ioredis client, major 5 or 6: `new Redis()`, `new Cluster()` or createRedisClient(). */
export interface RedisClientLike {
  readonly status: string;
  readonly isCluster: boolean;
  // `| undefined` so that ioredis's own option types fit under exactOptionalPropertyTypes too.
  readonly options: {
    enableOfflineQueue?: boolean | undefined;
    commandTimeout?: number | undefined;
    /** Cluster only: the options of each node's connection. */
    redisOptions?: { commandTimeout?: number | undefined } | undefined;
  };
  /** Registers a Lua script as a command (EVALSHA, with EVAL after a Redis restart). */
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
}

/**
 * The client as the ioredis API the stores call. Tessera calls only commands that ioredis 5 and 6
 * both have, with the same replies, so the cast holds for either major.
 */
export function toRedisClient(client: unknown, caller: string): RedisClient {
  const problem = notAnIoredisClient(client);
  if (problem)
    throw new TesseraArgumentError(`${caller} needs an ioredis client (new Redis(), new Cluster() or createRedisClient()) as its first argument; ${problem}.`);
  return client as RedisClient;
}

function notAnIoredisClient(client: unknown): string | null {
  if (client === null || typeof client !== 'object') return `got ${client === null ? 'null' : typeof client}`;
  const candidate = client as Record<string, unknown>;
  if (typeof candidate.defineCommand === 'function' && typeof candidate.status === 'string' && typeof candidate.options === 'object') return null;
  if (typeof candidate.sendCommand === 'function' && 'isOpen' in candidate) {
    return 'got a node-redis client (the "redis" package), which Tessera does not support';
  }
  if (!('status' in candidate) && !('defineCommand' in candidate)) {
    return `got a plain object (keys: ${Object.keys(candidate).slice(0, 5).join(', ') || 'none'}); options go second`;
  }
  return 'got an object without the defineCommand() and status of an ioredis client';
}

const warned = new WeakSet<object>();

/**
 * Warns once per client when it would hold requests open while Redis is down: an offline queue
 * keeps commands until Redis returns (ioredis' default; with its retries, requests hang for tens
 * of seconds or for good), and without a command timeout a stuck Redis holds a request forever.
 */
export function warnUnlessFailFast(client: RedisClientLike): void {
  if (warned.has(client)) return;
  warned.add(client);
  const { options } = client;
  const commandTimeout = client.isCluster ? options.redisOptions?.commandTimeout : options.commandTimeout;
  const problems = [
    ...(options.enableOfflineQueue !== false ? ['it queues commands while Redis is down (enableOfflineQueue)'] : []),
    ...(commandTimeout === undefined ? ['it has no commandTimeout'] : []),
  ];
  if (problems.length === 0) return;
  process.emitWarning(
    `Tessera was given a Redis client that would hold requests open while Redis is down or stuck: ${problems.join(' and ')}. ` +
      'Use createRedisClient(), or spread FAIL_FAST_REDIS_OPTIONS into your client’s options, so requests fail with 503 within about a second.',
    { type: 'TesseraWarning', code: 'TESSERA_SLOW_FAILING_REDIS' },
  );
}
