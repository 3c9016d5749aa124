/**
 * What Redis does when its memory is full (`maxmemory-policy`), and how full it is. Tessera keeps
 * revocations in Redis (a user's generation, a ban, a spent refresh token): under any evicting
 * policy Redis may drop one of them to make room, and a revoked session or token comes back.
 * Every Tessera key has a TTL, so the volatile-* policies evict them as surely as allkeys-*; only
 * `noeviction` (Redis refuses the write; Tessera answers 503) is safe. Read with INFO, which
 * managed services that refuse CONFIG still answer.
 */
import { Cluster, ReplyError } from 'ioredis';
import { guard } from './guard';
import type { RedisClient } from './scripts';

export interface RedisMemory {
  /** `maxmemory-policy`, such as noeviction or allkeys-lru. */
  policy: string;
  /** `used_memory`. Bytes. */
  usedBytes: number;
  /** `maxmemory`; 0 when Redis has no limit. Bytes. */
  maxBytes: number;
}

/** The policy that never drops a key. */
export const SAFE_EVICTION_POLICY = 'noeviction';

/**
 * The memory of each master (one for a standalone Redis), or null when Redis will not say (an ACL
 * that refuses INFO, which is in the @dangerous category). Throws StoreUnavailableError when Redis
 * is not there.
 */
export async function redisMemory(redis: RedisClient): Promise<RedisMemory[] | null> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const infos = await Promise.all(nodes.map((node) => guard(() => node.info('memory').catch(unlessRefused))));
  return infos.every((info) => info !== null) ? infos.map(parseMemoryInfo) : null;
}

function unlessRefused(error: unknown): null {
  if (error instanceof ReplyError && (error as Error).message.startsWith('NOPERM')) return null;
  throw error;
}

/** The evicting policies among `memory` (each named once); empty when none evicts. */
export function evictingPolicies(memory: RedisMemory[]): string[] {
  return [...new Set(memory.map((m) => m.policy).filter((policy) => policy !== '' && policy !== SAFE_EVICTION_POLICY))];
}

/** What `policies` (evicting ones) may do, in a sentence for an operator. */
export function evictionRisk(policies: string[]): string {
  return `Redis's maxmemory-policy is ${policies.join(', ')}: when full, it may evict revocations and bring revoked sessions back`;
}

/** The fullest master's used_memory / maxmemory; 0 when no master has a limit. */
export function fullestRatio(memory: RedisMemory[]): number {
  return Math.max(0, ...memory.map((m) => (m.maxBytes > 0 ? m.usedBytes / m.maxBytes : 0)));
}

function parseMemoryInfo(info: string): RedisMemory {
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '';
  return { policy: field('maxmemory_policy'), usedBytes: Number(field('used_memory')) || 0, maxBytes: Number(field('maxmemory')) || 0 };
}
