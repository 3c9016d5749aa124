/**
 * Refuses a Redis that may evict Tessera's keys (store/redisMemory.ts): at start the service does
 * not start, and /readyz answers 503 (Redis's policy can change under a running service, or a
 * fail-over bring another server). ALLOW_REDIS_EVICTION=on accepts the risk: the service starts,
 * warns, and /readyz says so in its answer.
 */
import type { Logger } from 'pino';
import { EvictingStoreError, StoreUnavailableError } from '../errors';
import { evictingPolicies, evictionRisk, redisMemory, SAFE_EVICTION_POLICY, type RedisMemory } from '../store/redisMemory';
import type { RedisClient } from '../store/scripts';

export class EvictionCheck {
  constructor(
    private readonly redis: RedisClient,
    /** ALLOW_REDIS_EVICTION: start and stay ready under an evicting policy, with a warning. */
    private readonly allowed: boolean,
  ) {}

  /**
   * Throws EvictingStoreError when Redis may evict and that is not allowed; logs a warning when it
   * is, or when Redis will not say. A Redis that cannot be asked yet is left to /readyz.
   */
  async atStart(logger: Logger): Promise<void> {
    let memory: RedisMemory[] | null;
    try {
      memory = await redisMemory(this.redis);
    } catch (error) {
      if (error instanceof StoreUnavailableError) return;
      throw error;
    }
    if (memory === null) {
      logger.warn(`Redis refuses INFO to this user, so its maxmemory-policy is unknown: make sure it is ${SAFE_EVICTION_POLICY}`);
      return;
    }
    for (const warning of this.judge(memory)) logger.warn(warning);
  }

  /** For /readyz: what the answer must warn of (empty when Redis never evicts, or will not say); throws EvictingStoreError when not allowed. */
  async warnings(): Promise<string[]> {
    const memory = await redisMemory(this.redis);
    return memory === null ? [] : this.judge(memory);
  }

  private judge(memory: RedisMemory[]): string[] {
    const policies = evictingPolicies(memory);
    if (policies.length === 0) return [];
    const risk = evictionRisk(policies);
    if (!this.allowed) throw new EvictingStoreError(risk);
    return [`${risk} (accepted by ALLOW_REDIS_EVICTION=on)`];
  }
}
