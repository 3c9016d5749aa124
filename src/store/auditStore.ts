/**
 * Redis access for the audit trail: capped streams, newest first when read. The trail of
 * security acts and the stream of sign-in events are separate keys with separate caps, so a
 * flood of one never trims the other.
 */
import { guard } from './guard';
import type { KeySpace } from './keys';
import type { RedisClient } from './scripts';

export interface AuditRecord {
  /** Stream entry id; its first part is the time in ms. */
  id: string;
  fields: Record<string, string>;
}

/** `trail`: admin acts and account-security changes. `sign-in`: logins, logouts, registrations and failed checks. */
export type AuditStream = 'trail' | 'sign-in';

export interface AuditCaps {
  /** Length cap of the trail. Entries. */
  trail: number;
  /** Length cap of the sign-in stream. Entries. */
  signIn: number;
}

export class AuditStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
    private readonly caps: AuditCaps,
  ) {}

  async append(stream: AuditStream, fields: Record<string, string>): Promise<void> {
    const cap = stream === 'trail' ? this.caps.trail : this.caps.signIn;
    // "~" lets Redis trim whole listpack nodes: the cap is kept cheaply, give or take a node.
    await guard(() => this.redis.xadd(this.keyOf(stream), 'MAXLEN', '~', cap, '*', ...Object.entries(fields).flat()));
  }

  /** Up to `count` entries older than `before` (an entry id), newest first. */
  async page(stream: AuditStream, count: number, before?: string): Promise<AuditRecord[]> {
    const rows = await guard(() => this.redis.xrevrange(this.keyOf(stream), before ? `(${before}` : '+', '-', 'COUNT', count));
    return rows.map(([id, flat]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
      return { id, fields };
    });
  }

  private keyOf(stream: AuditStream): string {
    return stream === 'trail' ? this.keys.audit() : this.keys.signInAudit();
  }
}
