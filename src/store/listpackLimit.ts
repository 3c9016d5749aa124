/**
 * Whether Redis keeps session hashes compact. A session hash stays a listpack only while every
 * value fits `hash-max-listpack-value`; Redis' default of 64 bytes is shorter than nearly every
 * browser's user agent, and a hashtable costs about twice the memory (docs/operations.md).
 */
import { Cluster } from 'ioredis';
import type { RedisClient } from './scripts';

/** What the shipped redis.conf sets, and what the longest user agents need. */
export const COMPACT_SESSION_VALUE_BYTES = 512;

/**
 * The smallest `hash-max-listpack-value` among the masters, or null when Redis will not say
 * (CONFIG renamed or refused by an ACL, as managed services often do).
 */
export async function smallestListpackValueLimit(redis: RedisClient): Promise<number | null> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  try {
    const limits = await Promise.all(
      nodes.map(async (node) => Number(((await node.config('GET', 'hash-max-listpack-value')) as string[])[1])),
    );
    const known = limits.filter((limit) => Number.isFinite(limit));
    return known.length > 0 ? Math.min(...known) : null;
  } catch {
    return null;
  }
}
