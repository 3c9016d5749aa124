/** Redis access for the lifecycle event stream: one capped stream that other services read with consumer groups. */
import { guard } from './guard';
import type { KeySpace } from './keys';
import type { RedisClient } from './scripts';

export class EventStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
    private readonly maxEntries: number,
  ) {}

  /** Appends one event; answers its stream entry id. */
  async append(fields: Record<string, string>): Promise<string> {
    // "~" lets Redis trim whole listpack nodes: the cap is kept cheaply, give or take a node.
    const id = await guard(() => this.redis.xadd(this.keys.events(), 'MAXLEN', '~', this.maxEntries, '*', ...Object.entries(fields).flat()));
    return id as string;
  }
}
