/**
 * The service's own users: register, log in, change password. Apps that keep their own users
 * skip this and call the session service directly.
 */
import { customAlphabet } from 'nanoid';
import { InvalidCredentialsError, SignupDisabledError, UsernameTakenError } from '../errors';
import type { PasswordHasher } from '../passwords/passwordHasher';
import type { SessionService } from '../sessions/sessionService';
import type { CreatedSession, SessionMetadata } from '../sessions/types';
import { AccountStore, type AccountRecord } from '../store/accountStore';
import { ID_ALPHABET, parseSessionId } from '../tokens/sessionId';

const newUserId = customAlphabet(ID_ALPHABET, 16);

export interface PublicUser {
  id: string;
  username: string;
  roles: string[];
  createdAt: Date;
}

export interface AccountServiceOptions {
  /** Whether POST /auth/register accepts new users. */
  signupEnabled: boolean;
}

export class AccountService {
  private readonly accounts: AccountStore;

  constructor(
    private readonly sessions: SessionService,
    private readonly hasher: PasswordHasher,
    private readonly options: AccountServiceOptions,
  ) {
    this.accounts = new AccountStore(sessions.store);
  }

  async register(username: string, password: string, roles: string[] = []): Promise<PublicUser> {
    if (!this.options.signupEnabled) throw new SignupDisabledError();
    return this.createAccount(username, password, roles);
  }

  /** Creates an account whatever the sign-up setting (operators, bootstrap). */
  async createAccount(username: string, password: string, roles: string[] = []): Promise<PublicUser> {
    if (await this.accounts.findByUsername(username)) throw new UsernameTakenError();
    const account = {
      id: newUserId(),
      username,
      passwordHash: await this.hasher.hash(password),
      roles,
      createdAt: new Date(),
    };
    if (!(await this.accounts.create(account))) throw new UsernameTakenError();
    return toPublic(account);
  }

  /** One answer, in the same time, for an unknown user and a wrong password. */
  async login(
    username: string,
    password: string,
    metadata: SessionMetadata,
  ): Promise<{ created: CreatedSession; user: PublicUser }> {
    const account = await this.accounts.findByUsername(username);
    const valid = account
      ? await this.hasher.verify(password, account.passwordHash)
      : await this.hasher.verifyNothing(password);
    if (!account || !valid) throw new InvalidCredentialsError();
    const created = await this.sessions.create(account.id, metadata);
    return { created, user: toPublic(account) };
  }

  /** Sets a new password; every other session of the user ends, the current one stays. */
  async changePassword(userId: string, currentSessionId: string, currentPassword: string, newPassword: string): Promise<void> {
    const account = await this.accounts.findById(userId);
    if (!account || !(await this.hasher.verify(currentPassword, account.passwordHash))) {
      throw new InvalidCredentialsError();
    }
    const keep = parseSessionId(currentSessionId);
    await this.accounts.setPassword(account.tag, await this.hasher.hash(newPassword), keep?.localId ?? '');
  }

  async findById(userId: string): Promise<PublicUser | null> {
    const account = await this.accounts.findById(userId);
    return account && toPublic(account);
  }
}

function toPublic(account: Omit<AccountRecord, 'tag'>): PublicUser {
  return { id: account.id, username: account.username, roles: account.roles, createdAt: account.createdAt };
}
