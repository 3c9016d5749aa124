/**
 * The service's own users: register, log in and out, change password, roles. Apps that keep
 * their own users skip this and call the session service directly. Every security event is
 * recorded in the audit trail.
 */
import { customAlphabet } from 'nanoid';
import { ADMIN_ROLE, normalizeUsername } from '../validation/rules';
import type { Actor, AuditLog } from '../audit/auditLog';
import {
  DpopIssuanceError,
  InvalidCredentialsError,
  SessionEndedError,
  NotFoundError,
  RefreshTokenReusedError,
  SignupDisabledError,
  RateLimitedError,
  UserBannedError,
  UsernameTakenError,
  ValidationError,
} from '../errors';
import type { PasswordHasher } from '../passwords/passwordHasher';
import type { SessionService } from '../sessions/sessionService';
import type { LoginThrottle } from '../limits/loginThrottle';
import type { CreatedSession, CreateOptions, RefreshedSession, SessionMetadata, SessionActor } from '../sessions/types';
import type { AccountRecord, AccountStore } from '../store/accountStore';
import type { AdminStore } from '../store/adminStore';
import type { DeviceTokens } from '../tokens/deviceToken';
import { ID_ALPHABET, parseSessionId } from '../tokens/sessionId';
import { DEFAULT_PASSWORD_MIN_SCORE, passwordContext, passwordProblem, scoredPart, scoreProblem } from '../validation/passwordPolicy';

const newUserId = customAlphabet(ID_ALPHABET, 16);
const WRONG_CURRENT_PASSWORD = 'The current password is wrong.';
const WRONG_PASSWORD = 'The password is wrong.';

export interface PublicUser {
  id: string;
  username: string;
  roles: string[];
  createdAt: Date;
}

/** success; failure: unknown name or wrong password; throttled: refused before any check; banned: right password, banned user; error: not answered (Redis, busy). */
export type LoginOutcome = 'success' | 'failure' | 'throttled' | 'banned' | 'error';

/** Told of every login attempt's outcome (for metrics); called synchronously, must not throw. */
export interface LoginObserver {
  loginAttempted?(outcome: LoginOutcome): void;
}

export interface AccountServiceOptions {
  /** Whether POST /auth/register accepts new users. */
  signupEnabled: boolean;
  /** Default: none. */
  observer?: LoginObserver;
  /** Failed-login, registration and password-check limits, checked before any bcrypt work. */
  throttle: LoginThrottle;
  /** Signs the device credential each login answers, and reads the one a login brings. */
  devices: DeviceTokens;
  /** The least zxcvbn score (0-4) of a new password. Default: 3 (DEFAULT_PASSWORD_MIN_SCORE). */
  passwordMinScore?: number;
  /**
   * Ends, and records in the admin trail, the impersonation sessions a user (an admin) started,
   * when that user logs out everywhere (AdminService.endImpersonations). Default: ends them unrecorded.
   */
  endImpersonations?: (actor: Actor, why: string) => Promise<void>;
}

export interface LoginOptions extends CreateOptions {
  /** The device credential an earlier login of this user gave this client, if it kept one. */
  deviceToken?: string;
}

export interface LoginResult {
  created: CreatedSession;
  user: PublicUser;
  /** This client's device credential for the user's next logins (the one it brought, renewed, or a new one). */
  device: { token: string; expiresAt: Date };
}

/** A refresh's new pair, and the account it belongs to (the user shape /auth/login answers). */
export type RefreshedAccount = RefreshedSession & { account: PublicUser };

export class AccountService {
  constructor(
    private readonly sessions: SessionService,
    private readonly accounts: AccountStore,
    private readonly hasher: PasswordHasher,
    private readonly directory: AdminStore,
    private readonly audit: AuditLog,
    private readonly options: AccountServiceOptions,
  ) {}

  async register(username: string, password: string, ip: string | null): Promise<PublicUser> {
    if (!this.options.signupEnabled) throw new SignupDisabledError();
    const address = ip ?? '';
    await this.options.throttle.beforeRegistration(address);
    const user = await this.options.throttle.checkingPassword(address, () => this.createAccount(username, password));
    await this.audit.record({ type: 'user.registered', actor: { id: user.id, name: user.username, ip }, target: user.id, outcome: 'success' });
    return user;
  }

  /** Creates an account whatever the sign-up setting (operators, bootstrap). */
  async createAccount(username: string, password: string, roles: string[] = []): Promise<PublicUser> {
    await this.refuseWeakPassword('password', password, username);
    if (await this.accounts.findByUsername(username)) throw new UsernameTakenError();
    const account = {
      id: newUserId(),
      username,
      passwordHash: await this.hasher.hash(password),
      roles: [...new Set(roles)].sort(),
      createdAt: new Date(),
    };
    if (!(await this.accounts.create(account))) throw new UsernameTakenError();
    await this.directory.addToDirectory(username, account.id);
    if (account.roles.includes(ADMIN_ROLE)) await this.directory.addAdmin(account.id);
    return toPublic(account);
  }

  async login(username: string, password: string, metadata: SessionMetadata, options: LoginOptions = {}): Promise<LoginResult> {
    const observer = this.options.observer;
    try {
      const result = await this.attemptLogin(username, password, metadata, options);
      observer?.loginAttempted?.('success');
      return result;
    } catch (error) {
      observer?.loginAttempted?.(loginOutcomeOf(error));
      throw error;
    }
  }

  /**
   * One answer, in the same time, for an unknown user and a wrong password; a ban shows only to
   * the right password. Throttled (429) before any bcrypt work, whether the name exists or not.
   * A device credential counts only when it is this user's: any other is as good as none.
   */
  private async attemptLogin(username: string, password: string, metadata: SessionMetadata, options: LoginOptions): Promise<LoginResult> {
    const { throttle, devices } = this.options;
    const { deviceToken, ...createOptions } = options;
    const name = normalizeUsername(username);
    const address = metadata.ip ?? '';
    const [claimed, account] = await Promise.all([devices.read(deviceToken), this.accounts.findByUsername(username)]);
    const device = account && claimed?.userId === account.id ? claimed.deviceId : null;
    await throttle.beforeLogin(name, address, device);
    const valid = await throttle.checkingPassword(address, () =>
      account ? this.hasher.verify(password, account.passwordHash) : this.hasher.verifyNothing(password),
    );
    // An unknown name is not recorded: people sometimes type their password into the name field.
    const actor = { id: account?.id ?? '', name: account?.username ?? null, ip: metadata.ip ?? null };
    if (!account || !valid) {
      await this.audit.record({ type: 'login.failed', actor, target: account?.id, outcome: 'failure', detail: 'invalid credentials' });
      await throttle.loginFailed(name, address, actor, account?.id, device);
      throw new InvalidCredentialsError();
    }
    await throttle.loginSucceeded(name, address, device);
    if (this.hasher.needsRehash(account.passwordHash)) {
      await this.accounts.replacePasswordHash(account.tag, await this.hasher.hash(password));
    }
    try {
      const created = await this.sessions.create(account.id, metadata, createOptions);
      await this.audit.record({ type: 'login.succeeded', actor, target: created.session.id, outcome: 'success' });
      if (created.newDevice) {
        const { device } = created.session;
        const named = [device.type, device.name].filter(Boolean).join(' ') || 'unnamed device';
        await this.audit.record({
          type: 'login.new-device',
          actor,
          target: created.session.id,
          outcome: 'success',
          detail: `${named}; ${metadata.userAgent ?? 'no user agent'}`,
        });
      }
      return { created, user: toPublic(account), device: await devices.issue(account.id, device ?? undefined) };
    } catch (error) {
      if (error instanceof UserBannedError) {
        await this.audit.record({ type: 'login.failed', actor, target: account.id, outcome: 'denied', detail: 'banned' });
      }
      throw error;
    }
  }

  /**
   * Spends a refresh token for a new pair (SessionService.refresh), with the account it belongs
   * to; null when the token is not live, or its account is gone (the minted session ends then).
   * The API's POST /auth/refresh and the pages' refresh from a cookie both come here.
   * A reused one ends its whole login and is recorded in the audit trail; the one retry within
   * the grace window that is answered again is recorded in the sign-in stream, with its address.
   */
  /** `provenKey`: the thumbprint of the DPoP key the request proved, which a bound login needs (see SessionService.refresh). */
  async refresh(refreshToken: string, metadata: Pick<SessionMetadata, 'ip' | 'userAgent'>, provenKey: string | null = null): Promise<RefreshedAccount | null> {
    const { throttle } = this.options;
    const address = metadata.ip ?? '';
    await throttle.beforeRefresh(address);
    try {
      const refreshed = await this.sessions.refresh(refreshToken, metadata, provenKey);
      if (!refreshed) await throttle.refreshFailed(address);
      if (refreshed?.replayed) {
        await this.audit.record({
          type: 'refresh.replayed',
          actor: { id: refreshed.user.id, name: refreshed.user.name, ip: metadata.ip ?? null },
          target: refreshed.session.id,
          outcome: 'success',
          detail: 'spent refresh token retried within the grace window; its first answer given again',
        });
      }
      if (!refreshed) return null;
      // An account deleted meanwhile gets no session.
      const account = await this.findById(refreshed.user.id);
      if (!account) {
        await this.sessions.revoke(refreshed.session.id);
        return null;
      }
      return { ...refreshed, account };
    } catch (error) {
      if (error instanceof RefreshTokenReusedError) {
        await this.audit.record({
          type: 'refresh.reused',
          actor: { id: error.userId, name: null, ip: metadata.ip ?? null },
          target: error.sessionId ?? error.userId,
          outcome: 'denied',
          detail: 'spent refresh token presented again; the remembered login ended',
        });
      }
      // A proof by the wrong key (or none) for a bound login: a copied refresh token tried elsewhere.
      if (error instanceof DpopIssuanceError) await throttle.refreshFailed(address);
      throw error;
    }
  }

  /** Ends the actor's current session; an admin's own logout ends their impersonations too, one made as the user does not. */
  async logout(actor: Actor, session: { id: string; actor: SessionActor | null }): Promise<void> {
    await this.sessions.revoke(session.id);
    if (!session.actor) await this.endImpersonations(actor, 'the admin logged out');
    await this.audit.record({ type: 'logout', actor, target: session.id, outcome: 'success' });
  }

  async logoutAll(actor: Actor): Promise<void> {
    const ended = await this.sessions.revokeAll(actor.id);
    await this.endImpersonations(actor, 'the admin logged out everywhere');
    await this.audit.record({ type: 'logout-all', actor, target: actor.id, outcome: 'success', detail: `${ended} ended` });
  }

  /** Ends every session of the actor but the current one ("sign out everywhere else"). */
  async logoutOthers(actor: Actor, currentSessionId: string): Promise<number> {
    const ended = await this.sessions.revokeAll(actor.id, { exceptSessionId: currentSessionId });
    // Nothing ended is nothing to record: repeating it must not fill the trail.
    if (ended > 0) {
      await this.audit.record({ type: 'logout-all', actor, target: actor.id, outcome: 'success', detail: `${ended} ended; this session kept` });
    }
    return ended;
  }

  /** Ends one of the actor's own sessions; 404 when it is not theirs or not live. */
  async revokeOwnSession(actor: Actor, sessionId: string): Promise<void> {
    const ended = await this.sessions.revokeOwn(actor.id, sessionId);
    await this.audit.record({ type: 'session.revoked', actor, target: sessionId, outcome: ended ? 'success' : 'failure' });
    if (!ended) throw new NotFoundError('You have no live session with that id.');
  }

  /**
   * Sets a new password; every other session of the user ends, the current one stays. Wrong
   * current passwords are counted per session, with lockouts as long as a login's: a stolen
   * session gets no more tries at it than a login form would, and an attack on the username's
   * logins does not stop its owner here.
   */
  async changePassword(actor: Actor, currentSessionId: string, currentPassword: string, newPassword: string): Promise<void> {
    const { throttle } = this.options;
    const account = await this.accounts.findById(actor.id);
    if (!account) {
      await this.audit.record({ type: 'password.changed', actor, target: actor.id, outcome: 'failure', detail: 'wrong current password' });
      throw new InvalidCredentialsError(WRONG_CURRENT_PASSWORD);
    }
    await this.refuseWeakPassword('newPassword', newPassword, account.username);
    const address = actor.ip ?? '';
    await throttle.beforePasswordChange(currentSessionId);
    const valid = await throttle.checkingPassword(address, () => this.hasher.verify(currentPassword, account.passwordHash));
    if (!valid) {
      await this.audit.record({ type: 'password.changed', actor, target: actor.id, outcome: 'failure', detail: 'wrong current password' });
      await throttle.passwordChangeFailed(currentSessionId, actor);
      throw new InvalidCredentialsError(WRONG_CURRENT_PASSWORD);
    }
    await throttle.passwordChangeSucceeded(currentSessionId);
    const keep = parseSessionId(currentSessionId);
    if (!keep) throw new SessionEndedError();
    // Throws SessionEndedError, changing nothing, if this session ended while the hashes ran.
    const hash = await throttle.checkingPassword(address, () => this.hasher.hash(newPassword));
    const ended = await this.accounts.setPassword(account.tag, hash, keep.localId);
    if (ended === null) throw new SessionEndedError();
    await this.sessions.passwordChanged(actor.id, ended, currentSessionId);
    await this.endImpersonations(actor, 'the admin changed their password');
    await this.audit.record({ type: 'password.changed', actor, target: actor.id, outcome: 'success', detail: `${ended} other sessions ended` });
  }

  /**
   * Ends the sessions the actor started as other users (impersonation), when the actor logs out,
   * everywhere or here, or changes their password: whoever cuts an admin off cuts those off too.
   */
  private async endImpersonations(actor: Actor, why: string): Promise<void> {
    // Only an admin starts impersonations (and losing the role ends them): no Redis call for
    // a user whose roles are known to hold no admin role.
    if (actor.roles && !actor.roles.includes(ADMIN_ROLE)) return;
    const { endImpersonations } = this.options;
    if (endImpersonations) await endImpersonations(actor, why);
    else await this.sessions.endImpersonationsBy(actor.id);
  }

  /**
   * Proves the password again on the actor's current session, for acts that need a recent sign-in:
   * the session's sign-in time becomes now. Guessed against the login counters of this (username,
   * address), like a login; a wrong password changes nothing and answers invalid-credentials.
   */
  async reauthenticate(actor: Actor, sessionId: string, password: string): Promise<Date> {
    const { throttle } = this.options;
    const account = await this.accounts.findById(actor.id);
    const name = normalizeUsername(account?.username ?? actor.name ?? '');
    const address = actor.ip ?? '';
    await throttle.beforeLogin(name, address);
    const valid = await throttle.checkingPassword(address, () =>
      account ? this.hasher.verify(password, account.passwordHash) : this.hasher.verifyNothing(password),
    );
    if (!account || !valid) {
      await this.audit.record({ type: 'reauthenticated', actor, target: sessionId, outcome: 'failure', detail: 'wrong password' });
      await throttle.loginFailed(name, address, actor, actor.id);
      throw new InvalidCredentialsError(WRONG_PASSWORD);
    }
    await throttle.loginSucceeded(name, address);
    const at = await this.sessions.reauthenticated(sessionId);
    if (!at) throw new SessionEndedError();
    await this.audit.record({ type: 'reauthenticated', actor, target: sessionId, outcome: 'success' });
    return at;
  }

  /**
   * Whether `password` is the user's password now, checked and counted like a login of that user
   * from that address: what a replayed registration or reauthentication (Idempotency-Key) proves
   * before its first answer is given again. A wrong one counts as a failed login.
   */
  async provesPassword(userId: string, password: string, ip: string | null): Promise<boolean> {
    const { throttle } = this.options;
    const account = await this.accounts.findById(userId);
    const name = normalizeUsername(account?.username ?? '');
    const address = ip ?? '';
    await throttle.beforeLogin(name, address);
    const valid = await throttle.checkingPassword(address, () =>
      account ? this.hasher.verify(password, account.passwordHash) : this.hasher.verifyNothing(password),
    );
    if (!account || !valid) {
      await throttle.loginFailed(name, address, { id: userId, name: account?.username ?? null, ip }, account?.id);
      return false;
    }
    await throttle.loginSucceeded(name, address);
    return true;
  }

  /**
   * Whether `newPassword` is the actor's password now: what a replayed password change proves
   * before its first answer is given again, counted against the session's password-change tries
   * like a wrong current password.
   */
  async provesNewPassword(actor: Actor, currentSessionId: string, newPassword: string): Promise<boolean> {
    const { throttle } = this.options;
    await throttle.beforePasswordChange(currentSessionId);
    const account = await this.accounts.findById(actor.id);
    const valid = await throttle.checkingPassword(actor.ip ?? '', () =>
      account ? this.hasher.verify(newPassword, account.passwordHash) : this.hasher.verifyNothing(newPassword),
    );
    if (!account || !valid) {
      await throttle.passwordChangeFailed(currentSessionId, actor);
      return false;
    }
    await throttle.passwordChangeSucceeded(currentSessionId);
    return true;
  }

  /**
   * Replaces the user's roles; live sessions see them on their next request. Taking the admin
   * role away is the admin service's job (it must not remove the last admin).
   */
  async setRoles(userId: string, roles: string[]): Promise<PublicUser> {
    const sorted = [...new Set(roles)].sort();
    await this.sessions.setRoles(userId, sorted);
    if (sorted.includes(ADMIN_ROLE)) await this.directory.addAdmin(userId);
    const user = await this.findById(userId);
    if (!user) throw new NotFoundError('No user has that id.');
    return user;
  }

  async findById(userId: string): Promise<PublicUser | null> {
    const account = await this.accounts.findById(userId);
    return account && toPublic(account);
  }

  /**
   * 400 naming `field` for a password with a control character, on the common list, built from
   * the username, or scored below the minimum (validation/passwordPolicy.ts). The cheap checks
   * come first; the score waits for a worker, like a hash.
   */
  private async refuseWeakPassword(field: string, password: string, username: string): Promise<void> {
    const minScore = this.options.passwordMinScore ?? DEFAULT_PASSWORD_MIN_SCORE;
    let problem = passwordProblem(password, username);
    if (!problem && minScore > 0) problem = scoreProblem(await this.hasher.score(scoredPart(password), passwordContext(username)), minScore);
    if (problem) throw new ValidationError([{ field, message: problem }]);
  }

  async findByUsername(username: string): Promise<PublicUser | null> {
    const account = await this.accounts.findByUsername(username);
    return account && toPublic(account);
  }
}

function loginOutcomeOf(error: unknown): LoginOutcome {
  if (error instanceof InvalidCredentialsError) return 'failure';
  if (error instanceof UserBannedError) return 'banned';
  if (error instanceof RateLimitedError) return 'throttled';
  return 'error';
}

function toPublic(account: Omit<AccountRecord, 'tag'>): PublicUser {
  return { id: account.id, username: account.username, roles: account.roles, createdAt: account.createdAt };
}
