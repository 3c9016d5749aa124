/**
 * Redis access for a user's own state, on the user hash of the user's slot: the routing tag that
 * names the slot, the generation (login stamp) that revoke-all moves on, roles, and the ban with its
 * details, written in one step with the revoke-all it implies and judged on Redis's clock, and
 * the service's account fields (name, password hash, creation), so one touch reads the username
 * too. accountStore.ts keeps the usernames that point to users.
 */
import { derivedRoutingTag, newRoutingTag } from '../tokens/sessionId';
import type { DurableWrites } from './durableWrites';
import { joinRoles, splitRoles, USER_FIELD } from './fields';
import { guard } from './guard';
import type { KeySpace } from './keys';
import type { RedisClient, ScriptClient } from './scripts';

/** A ban in force: its end (null: none) and the details stored with it (null when none were given). */
export interface StoredBan {
  until: Date | null;
  details: string | null;
}

/** The service's account fields on a user hash. */
export interface AccountFields {
  username: string;
  passwordHash: string;
  roles: string[];
  createdAt: Date;
}

export class UserStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly scripts: ScriptClient,
    private readonly keys: KeySpace,
    /** Security writes go through here: they succeed only once Redis confirms them. */
    private readonly durable: DurableWrites,
    private readonly idleMs: number,
  ) {}

  /**
   * The user's routing tag, or null when the user never had one (so has no sessions). A user's tag
   * is the digest of the user id when that user hash names the user: one read. Otherwise the user
   * got a random tag, kept under the user id (a digest another user held first, or a user from
   * before tags were derived): a second read.
   */
  async tagOf(userId: string): Promise<string | null> {
    const derived = derivedRoutingTag(userId);
    if ((await guard(() => this.redis.hget(this.keys.forUser(derived).user, USER_FIELD.userId))) === userId) return derived;
    return guard(() => this.redis.get(this.keys.userTag(userId)));
  }

  /**
   * The user's routing tag, claimed on first use: the digest of the user id, or, when another user
   * holds that one, a random tag kept under the user id.
   */
  async claimTag(userId: string): Promise<string> {
    const existing = await this.tagOf(userId);
    if (existing) return existing;
    const derived = derivedRoutingTag(userId);
    if ((await guard(() => this.scripts.tessera_claimTag(this.keys.forUser(derived).user, userId))) === 1) return derived;
    for (;;) {
      const candidate = newRoutingTag();
      const claimed = await guard(() => this.scripts.tessera_claimTag(this.keys.forUser(candidate).user, userId));
      if (claimed !== 1) continue;
      const stored = await guard(() => this.redis.set(this.keys.userTag(userId), candidate, 'NX'));
      if (stored === 'OK') return candidate;
      // A concurrent first login of the same user won; use its tag and drop the spare claim.
      await guard(() => this.redis.del(this.keys.forUser(candidate).user));
      const winner = await this.tagOf(userId);
      if (winner) return winner;
    }
  }

  /** The id of the user a routing tag belongs to, or null when the tag is unknown. */
  userIdOf(tag: string): Promise<string | null> {
    return guard(() => this.redis.hget(this.keys.forUser(tag).user, USER_FIELD.userId));
  }

  /**
   * Ends all the user's sessions but `keepLocalId`, setting `userFields` on the user hash in the
   * same atomic step; answers how many live sessions ended. When the session to keep is no longer
   * live it changes nothing and answers null: the request that asked has lost its session.
   */
  async revokeAll(tag: string, keepLocalId?: string, userFields: Record<string, string> = {}): Promise<number | null> {
    const keys = this.keys.forUser(tag);
    const ended = await this.durable.write({
      script: 'revokeAll',
      // With nothing to keep, any key of the slot will do: the script does not read it then.
      keys: [keys.user, keys.index, keys.session(keepLocalId ?? '')],
      args: [keepLocalId ?? '', this.idleMs, keys.familyPrefix, keys.sessionPrefix, ...Object.entries(userFields).flat()],
    });
    return Number(ended) === -1 ? null : Number(ended);
  }

  /** The roles the user holds now (for the lifetime of a login by role). */
  async rolesOf(tag: string): Promise<string[]> {
    return splitRoles((await guard(() => this.redis.hget(this.keys.forUser(tag).user, USER_FIELD.roles))) ?? '');
  }

  /** Roles live on the user hash, which touch reads anyway: a change is seen on the next request. */
  async setRoles(tag: string, roles: string[]): Promise<void> {
    await this.durable.write({ command: 'hset', args: [this.keys.forUser(tag).user, USER_FIELD.roles, joinRoles(roles)] });
  }

  /** Bans the user until `until` (null: no end), with its details, and ends every session: one step. */
  async ban(tag: string, until: Date | null, details: string | null): Promise<number> {
    const fields: Record<string, string> = { [USER_FIELD.ban]: until ? String(until.getTime()) : 'inf' };
    if (details !== null) fields[USER_FIELD.banDetails] = details;
    // With no session to keep, revokeAll always acts.
    return (await this.revokeAll(tag, undefined, fields)) ?? 0;
  }

  /** Lifts a ban; true when one was in force. */
  async unban(tag: string): Promise<boolean> {
    return Number(await this.durable.write({ script: 'unban', keys: [this.keys.forUser(tag).user], args: [] })) === 1;
  }

  /** The ban in force on the user, or null when none is. */
  async banOf(tag: string): Promise<StoredBan | null> {
    const reply = (await guard(() => this.scripts.tessera_banOf(this.keys.forUser(tag).user))) as unknown[] | null;
    if (!reply) return null;
    const [until, details] = reply.map(String);
    return { until: until === 'inf' ? null : new Date(Number(until)), details: details || null };
  }

  async writeAccount(tag: string, account: AccountFields): Promise<void> {
    await guard(() =>
      this.redis.hset(this.keys.forUser(tag).user, {
        [USER_FIELD.username]: account.username,
        [USER_FIELD.passwordHash]: account.passwordHash,
        [USER_FIELD.roles]: joinRoles(account.roles),
        [USER_FIELD.createdAt]: account.createdAt.getTime(),
      }),
    );
  }

  /** The account on the user hash, or null when it carries none. */
  async accountOf(tag: string): Promise<AccountFields | null> {
    const [username, passwordHash, roles, createdAt] = await guard(() =>
      this.redis.hmget(this.keys.forUser(tag).user, USER_FIELD.username, USER_FIELD.passwordHash, USER_FIELD.roles, USER_FIELD.createdAt),
    );
    if (!username || !passwordHash) return null;
    return { username, passwordHash, roles: splitRoles(roles ?? ''), createdAt: new Date(Number(createdAt)) };
  }

  /** Stores a new hash of the same password (a changed bcrypt cost); sessions are untouched. */
  async replacePasswordHash(tag: string, passwordHash: string): Promise<void> {
    await guard(() => this.redis.hset(this.keys.forUser(tag).user, USER_FIELD.passwordHash, passwordHash));
  }

  /**
   * Replaces the password hash and ends every other session of the user, atomically; null (and
   * nothing changed) when the session to keep is no longer live.
   */
  setPassword(tag: string, passwordHash: string, keepLocalId: string): Promise<number | null> {
    return this.revokeAll(tag, keepLocalId, { [USER_FIELD.passwordHash]: passwordHash });
  }

  /** Drops a user hash whose account could not be completed (its username was taken). */
  async forget(userId: string, tag: string): Promise<void> {
    // Two deletes, not one: the keys live in different Cluster slots.
    await guard(() => this.redis.del(this.keys.userTag(userId)));
    await guard(() => this.redis.del(this.keys.forUser(tag).user));
  }

  /** Redis's clock, in ms: what bans are judged on. */
  async nowMs(): Promise<number> {
    const [seconds, micros] = await guard(() => this.redis.time());
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }
}
