/** Redis access for the audit trail: one capped stream, newest first when read. */
import { guard } from './guard';
import type { KeySpace } from './keys';
import type { RedisClient } from './scripts';

export interface AuditRecord {
  /** Stream entry id; its first part is the time in ms. */
  id: string;
  fields: Record<string, string>;
}

export class AuditStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
    private readonly maxEntries: number,
  ) {}

  async append(fields: Record<string, string>): Promise<void> {
    // "~" lets Redis trim whole listpack nodes: the cap is kept cheaply, give or take a node.
    await guard(() => this.redis.xadd(this.keys.audit(), 'MAXLEN', '~', this.maxEntries, '*', ...Object.entries(fields).flat()));
  }

  /** Up to `count` entries older than `before` (an entry id), newest first. */
  async page(count: number, before?: string): Promise<AuditRecord[]> {
    const rows = await guard(() => this.redis.xrevrange(this.keys.audit(), before ? `(${before}` : '+', '-', 'COUNT', count));
    return rows.map(([id, flat]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
      return { id, fields };
    });
  }
}
