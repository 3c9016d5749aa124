/**
 * Redis access for the service's own accounts: the `name:<lower-case>` keys that make usernames
 * unique case-insensitively and point to users. An account's fields are the user's (userStore.ts).
 */
import { normalizeUsername, USERNAME } from '../validation/rules';
import { guard } from './guard';
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
    await this.users.writeAccount(tag, account);
    // The name is reserved last, so a crash never leaves a name that points to no account.
    const reserved = await guard(() => this.redis.set(this.keys.username(normalizeUsername(account.username)), account.id, 'NX'));
    if (reserved === 'OK') return true;
    await this.users.forget(account.id, tag);
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
    const account = tag ? await this.users.accountOf(tag) : null;
    return account && { id, tag: tag!, ...account };
  }

  /** Stores a new hash of the same password (a changed bcrypt cost); sessions are untouched. */
  replacePasswordHash(tag: string, passwordHash: string): Promise<void> {
    return this.users.replacePasswordHash(tag, passwordHash);
  }

  /**
   * Replaces the password hash and ends every other session of the user, atomically; null (and
   * nothing changed) when the session to keep is no longer live.
   */
  setPassword(tag: string, passwordHash: string, keepLocalId: string): Promise<number | null> {
    return this.users.setPassword(tag, passwordHash, keepLocalId);
  }
}
