/**
 * Redis access for what spans users: the user directory (paged search by name), the set of
 * admins, and the ban list. These are single-key indexes beside the per-user slots. A ban and its
 * details live on the user hash alone (userStore.ts), where logins check it atomically; the ban
 * list only indexes the banned user ids by when their bans end, and a listing reads each ban from
 * its user, on Redis's clock, dropping entries whose ban is no longer in force.
 */
import { normalizeUsername } from '../validation/rules';
import { guard } from './guard';
import type { KeySpace } from './keys';
import { registerScripts, type RedisClient, type ScriptClient } from './scripts';
import type { UserStore } from './userStore';

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
    private readonly users: UserStore,
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
    const members = await guard(() => this.redis.zrangebylex(this.keys.directory(), min, `[${prefix}\u00ff`, 'LIMIT', 0, count));
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

  /** Indexes a ban the user hash holds (UserStore.ban), by when it ends. */
  async listBan(userId: string, until: Date | null): Promise<void> {
    await guard(() => this.redis.zadd(this.keys.bans(), until ? until.getTime() : '+inf', userId));
  }

  async unlistBan(userId: string): Promise<void> {
    await guard(() => this.redis.zrem(this.keys.bans(), userId));
  }

  /** Redis's clock, in ms: what bans are judged on. */
  nowMs(): Promise<number> {
    return this.users.nowMs();
  }

  /**
   * Bans in force, those ending last (or never) first, `count` at a time, each as its user hash
   * holds it; entries whose ban ended or was lifted are pruned on the way.
   */
  async pageBans(count: number, offset: number): Promise<{ bans: BanDetails[]; next: number | null }> {
    await guard(async () => this.redis.zremrangebyscore(this.keys.bans(), '-inf', await this.users.nowMs()));
    const userIds = await guard(() => this.redis.zrevrange(this.keys.bans(), offset, offset + count - 1));
    const bans = await Promise.all(userIds.map((userId) => this.banOf(userId)));
    const lifted = userIds.filter((_, i) => bans[i] === null);
    if (lifted.length > 0) await guard(() => this.redis.zrem(this.keys.bans(), ...lifted));
    return {
      bans: bans.filter((ban): ban is BanDetails => ban !== null),
      next: userIds.length === count ? offset + count : null,
    };
  }

  private async banOf(userId: string): Promise<BanDetails | null> {
    const tag = await this.users.tagOf(userId);
    const ban = tag ? await this.users.banOf(tag) : null;
    if (!ban) return null;
    const until = ban.until ? ban.until.toISOString() : null;
    // A ban set through the library API carries no details.
    if (!ban.details) return { userId, username: null, reason: '', by: { id: '', name: null }, since: '', until };
    return { ...(JSON.parse(ban.details) as BanDetails), until };
  }
}
