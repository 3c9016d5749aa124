/**
 * Redis access for the service's own accounts. An account's fields live on the user hash that
 * also holds the security state (generation, roles), so one touch reads the username too.
 * Usernames are unique case-insensitively through a `name:<lower-case>` key.
 */
import { normalizeUsername, USERNAME } from '../validation/rules';
import { guard } from './guard';
import { joinRoles, splitRoles, USER_FIELD } from './fields';
import type { SessionStore } from './sessionStore';
import type { UserStore } from './userStore';

export interface AccountRecord {
  id: string;
  tag: string;
  username: string;
  passwordHash: string;
  roles: string[];
  createdAt: Date;
}

export class AccountStore {
  private readonly users: UserStore;

  constructor(private readonly sessions: SessionStore) {
    this.users = sessions.users;
  }

  private get redis() {
    return this.sessions.redis;
  }

  private get keys() {
    return this.sessions.keys;
  }

  /** Stores a new account; false when the username is taken (nothing is left behind then). */
  async create(account: Omit<AccountRecord, 'tag'>): Promise<boolean> {
    const tag = await this.users.claimTag(account.id);
    const userKey = this.keys.forUser(tag).user;
    await guard(() =>
      this.redis.hset(userKey, {
        [USER_FIELD.username]: account.username,
        [USER_FIELD.passwordHash]: account.passwordHash,
        [USER_FIELD.roles]: joinRoles(account.roles),
        [USER_FIELD.createdAt]: account.createdAt.getTime(),
      }),
    );
    // The name is reserved last, so a crash never leaves a name that points to no account.
    const reserved = await guard(() => this.redis.set(this.keys.username(normalizeUsername(account.username)), account.id, 'NX'));
    if (reserved === 'OK') return true;
    // Two deletes, not one: the keys live in different Cluster slots.
    await guard(() => this.redis.del(this.keys.userTag(account.id)));
    await guard(() => this.redis.del(userKey));
    return false;
  }

  /**
   * Null for a name that breaks the registration rule without a lookup: lower-casing it could fold
   * a look-alike onto a real name (the Kelvin sign U+212A lower-cases to "k").
   */
  async findByUsername(username: string): Promise<AccountRecord | null> {
    if (!USERNAME.test(username)) return null;
    const id = await guard(() => this.redis.get(this.keys.username(normalizeUsername(username))));
    return id ? this.findById(id) : null;
  }

  async findById(id: string): Promise<AccountRecord | null> {
    const tag = await this.users.tagOf(id);
    if (!tag) return null;
    const [username, passwordHash, roles, createdAt] = await guard(() =>
      this.redis.hmget(this.keys.forUser(tag).user, USER_FIELD.username, USER_FIELD.passwordHash, USER_FIELD.roles, USER_FIELD.createdAt),
    );
    if (!username || !passwordHash) return null;
    return { id, tag, username, passwordHash, roles: splitRoles(roles ?? ''), createdAt: new Date(Number(createdAt)) };
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
    return this.users.revokeAll(tag, keepLocalId, { [USER_FIELD.passwordHash]: passwordHash });
  }
}
