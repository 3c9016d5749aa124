/**
 * Redis access for what spans users: the user directory (paged search by name), the set of
 * admins, and the ban list. These are single-key indexes beside the per-user slots; the ban
 * itself lives on the user hash, where logins check it atomically.
 */
import { normalizeUsername } from '../validation/rules';
import { guard } from './guard';
import type { KeySpace } from './keys';
import { registerScripts, type RedisClient, type ScriptClient } from './scripts';

const SEPARATOR = '\u0000';

export interface BanDetails {
  userId: string;
  username: string | null;
  reason: string;
  by: { id: string; name: string | null };
  since: string;
  until: string | null;
}

export class AdminStore {
  private readonly scripts: ScriptClient;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
  ) {
    this.scripts = registerScripts(redis);
  }

  async addToDirectory(username: string, userId: string): Promise<void> {
    await guard(() => this.redis.zadd(this.keys.directory(), 0, normalizeUsername(username) + SEPARATOR + userId));
  }

  /** User ids whose lower-cased name starts with `query`, after the `after` cursor, by name. */
  async searchDirectory(query: string, count: number, after?: string): Promise<{ userIds: string[]; next: string | null }> {
    const prefix = normalizeUsername(query);
    const min = after ? `(${after}` : `[${prefix}`;
    const members = await guard(() =>
      this.redis.zrangebylex(this.keys.directory(), min, `[${prefix}\u00ff`, 'LIMIT', 0, count),
    );
    return {
      userIds: members.map((member) => member.slice(member.indexOf(SEPARATOR) + 1)),
      next: members.length === count ? members[members.length - 1] : null,
    };
  }

  async addAdmin(userId: string): Promise<void> {
    await guard(() => this.redis.sadd(this.keys.admins(), userId));
  }

  /** Takes the user off the admins unless they are the last one; false when they are. */
  async removeAdminUnlessLast(userId: string): Promise<boolean> {
    return (await guard(() => this.scripts.tessera_removeAdmin(this.keys.admins(), userId))) === 1;
  }

  async listBan(details: BanDetails): Promise<void> {
    const score = details.until ? new Date(details.until).getTime() : '+inf';
    await guard(() =>
      this.redis.multi().zadd(this.keys.bans(), score, details.userId).hset(this.keys.banDetails(), details.userId, JSON.stringify(details)).exec(),
    );
  }

  async unlistBan(userId: string): Promise<void> {
    await guard(() => this.redis.multi().zrem(this.keys.bans(), userId).hdel(this.keys.banDetails(), userId).exec());
  }

  /** Bans in force, those ending last (or never) first, `count` at a time; lifted bans are pruned on the way. */
  async pageBans(count: number, offset: number): Promise<{ bans: BanDetails[]; next: number | null }> {
    const now = Date.now();
    const expired = await guard(() => this.redis.zrangebyscore(this.keys.bans(), '-inf', now));
    if (expired.length > 0) await this.prune(expired);
    const userIds = await guard(() => this.redis.zrevrange(this.keys.bans(), offset, offset + count - 1));
    if (userIds.length === 0) return { bans: [], next: null };
    const details = await guard(() => this.redis.hmget(this.keys.banDetails(), ...userIds));
    return {
      bans: details.filter((d): d is string => d !== null).map((d) => JSON.parse(d) as BanDetails),
      next: userIds.length === count ? offset + count : null,
    };
  }

  private async prune(userIds: string[]): Promise<void> {
    await guard(() => this.redis.multi().zrem(this.keys.bans(), ...userIds).hdel(this.keys.banDetails(), ...userIds).exec());
  }
}
