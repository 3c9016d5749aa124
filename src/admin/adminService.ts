/**
 * What operators do: find users, see and end their sessions, change roles, ban and unban, read
 * the audit trail. Every act is recorded with its actor. The HTTP admin API and the CLI both
 * call this.
 */
import { ConflictError, ForbiddenError, NotFoundError, SessionEndedError, ValidationError, type FieldProblem } from '../errors';
import type { AccountService, PublicUser } from '../accounts/accountService';
import type { LoginThrottle } from '../limits/loginThrottle';
import type { SessionService } from '../sessions/sessionService';
import type { CreatedSession, PageRequest, SessionMetadata, SessionPage } from '../sessions/types';
import type { AdminStore, BanDetails } from '../store/adminStore';
import { ADMIN_ROLE, MAX_BAN_REASON, normalizeUsername } from '../validation/rules';
import type { Actor, AuditLog } from '../audit/auditLog';

/** How old a sign-in an admin's act accepts unless configured (ADMIN_REAUTH_AFTER). Seconds. */
export const DEFAULT_ADMIN_REAUTH_AFTER_SECONDS = 15 * 60;

/** How long an impersonation session lives at most unless configured (IMPERSONATION_TTL). Seconds. */
export const DEFAULT_IMPERSONATION_TTL_SECONDS = 15 * 60;

/** The role that lets an admin impersonate another admin; admin alone does not. */
export const IMPERSONATE_ADMINS_ROLE = 'impersonate-admins';

/** An impersonation session as started: its token (given once) and the user it acts as. */
export interface Impersonation {
  created: CreatedSession;
  user: PublicUser;
}

/** The admin who asks for an impersonation, as their own session shows them. */
export interface ImpersonatingAdmin {
  roles: readonly string[];
  /** The admin's own session: the impersonation does not outlive it being cut off. */
  sessionId: string;
  /** The DPoP key the admin's own session is bound to: the impersonation is bound to it too. */
  boundKey?: string | null;
}

export interface UserOverview extends PublicUser {
  ban: { until: Date | null } | null;
  sessionCount: number;
}

export class AdminService {
  constructor(
    private readonly sessions: SessionService,
    private readonly accounts: AccountService,
    private readonly store: AdminStore,
    readonly audit: AuditLog,
    private readonly throttle: LoginThrottle,
    /** How long an impersonation session lives at most. Seconds. */
    private readonly impersonationTtlSeconds: number = DEFAULT_IMPERSONATION_TTL_SECONDS,
  ) {}

  /**
   * Starts a session as the user for an admin (support staff seeing what the user sees): never
   * remembered, living at most the impersonation TTL, carrying the admin as its actor. Another
   * admin can be impersonated only by an admin holding the impersonate-admins role. Audited, with
   * the admin as actor and the user as the one impersonated.
   *
   * The session is noted on the admin before it exists (SessionService.create), and the admin's
   * own session and role are checked once it does: a logout everywhere, ban or demotion of the
   * admin that lands meanwhile either finds the note and ends the session, or ended the admin's
   * sessions first, which the check sees. Then the new session ends and this throws
   * SessionEndedError: none outlives the admin being cut off.
   */
  async impersonate(actor: Actor, admin: ImpersonatingAdmin, userId: string, metadata: SessionMetadata): Promise<Impersonation> {
    const user = await this.requireUser(userId);
    const impersonated = { id: user.id, name: user.username };
    if (actor.id === userId || (user.roles.includes(ADMIN_ROLE) && !admin.roles.includes(IMPERSONATE_ADMINS_ROLE))) {
      const self = actor.id === userId;
      await this.audit.record({ type: 'impersonation.started', actor, impersonated, target: userId, outcome: 'denied', detail: self ? 'self' : 'an admin' });
      throw new ForbiddenError(self ? 'You cannot impersonate yourself.' : `Impersonating an admin needs the "${IMPERSONATE_ADMINS_ROLE}" role.`);
    }
    const created = await this.sessions.create(userId, metadata, {
      actor: { id: actor.id, username: actor.name },
      maxLifetimeSeconds: this.impersonationTtlSeconds,
      ...(admin.boundKey ? { boundKey: admin.boundKey } : {}),
    });
    const [adminLive, adminNow] = await Promise.all([this.sessions.isLive(admin.sessionId), this.accounts.findById(actor.id)]);
    // The roles that allowed it must still be held: a demotion landing meanwhile ends it too.
    const stillAllowed = adminNow?.roles.includes(ADMIN_ROLE) && (!user.roles.includes(ADMIN_ROLE) || adminNow.roles.includes(IMPERSONATE_ADMINS_ROLE));
    if (!adminLive || !stillAllowed) {
      await this.sessions.revoke(created.session.id);
      await this.audit.record({
        type: 'impersonation.started',
        actor,
        impersonated,
        target: userId,
        outcome: 'denied',
        detail: 'the admin was cut off meanwhile',
      });
      throw new SessionEndedError();
    }
    await this.audit.record({
      type: 'impersonation.started',
      actor,
      impersonated,
      target: userId,
      outcome: 'success',
      detail: `session ${created.session.id} until ${created.session.absoluteExpiresAt.toISOString()}`,
    });
    return { created, user };
  }

  /**
   * Ends the impersonation sessions an admin started (a logout everywhere, a ban), each audited:
   * `actor` is who ended it, `target` the admin who had started it, `impersonated` the user.
   */
  async endImpersonations(actor: Actor | null, adminId: string, why: string): Promise<void> {
    for (const { sessionId, userId } of await this.sessions.endImpersonationsListing(adminId)) {
      const user = userId ? await this.accounts.findById(userId) : null;
      await this.audit.record({
        type: 'impersonation.ended',
        actor,
        impersonated: userId ? { id: userId, name: user?.username ?? null } : null,
        target: adminId,
        outcome: 'success',
        detail: `session ${sessionId}: ${why}`,
      });
    }
  }

  async searchUsers(query: string, count: number, cursor?: string): Promise<{ users: PublicUser[]; next: string | null }> {
    if (cursor !== undefined && !cursor.startsWith(normalizeUsername(query))) {
      throw new ValidationError([{ field: 'cursor', message: 'belongs to another query' }]);
    }
    const { userIds, next } = await this.store.searchDirectory(query, count, cursor);
    const users = await Promise.all(userIds.map((id) => this.accounts.findById(id)));
    return { users: users.filter((u): u is PublicUser => u !== null), next };
  }

  async getUser(userId: string): Promise<UserOverview> {
    const user = await this.requireUser(userId);
    const [ban, sessions] = await Promise.all([this.sessions.banOf(userId), this.sessions.list(userId, { limit: 1 })]);
    return { ...user, ban: ban === undefined ? null : { until: ban }, sessionCount: sessions.total };
  }

  async listSessions(userId: string, page: PageRequest = {}): Promise<SessionPage> {
    await this.requireUser(userId);
    return this.sessions.list(userId, page);
  }

  async revokeSession(actor: Actor, sessionId: string): Promise<void> {
    const ended = await this.sessions.revoke(sessionId);
    await this.audit.record({ type: 'session.revoked', actor, target: sessionId, outcome: ended ? 'success' : 'failure' });
    if (!ended) throw new NotFoundError('No live session has that id.');
  }

  async revokeSessions(actor: Actor, userId: string): Promise<number> {
    await this.requireUser(userId);
    const ended = await this.sessions.revokeAll(userId);
    await this.endImpersonations(actor, userId, 'their sessions were revoked');
    await this.audit.record({ type: 'sessions.revoked', actor, target: userId, outcome: 'success', detail: `${ended} ended` });
    return ended;
  }

  /**
   * Replaces a user's roles. The admin role is never taken from the last admin. The
   * impersonate-admins role (see impersonate()) is granted only by an operator (`byOperator`: the
   * CLI, who holds Redis anyway) or by an admin who holds it already, and never to oneself: an
   * admin without it can neither give it to themselves nor to a colluding admin, who could then
   * give it back. Taking it away needs no such right.
   */
  async setRoles(actor: Actor, userId: string, roles: string[], options: { byOperator?: boolean } = {}): Promise<PublicUser> {
    const user = await this.requireUser(userId);
    if (roles.includes(IMPERSONATE_ADMINS_ROLE) && !user.roles.includes(IMPERSONATE_ADMINS_ROLE) && !options.byOperator) {
      await this.refuseUnlessGrantsImpersonation(actor, userId);
    }
    const wasAdmin = user.roles.includes(ADMIN_ROLE);
    const staysAdmin = roles.includes(ADMIN_ROLE);
    if (wasAdmin && !staysAdmin && !(await this.store.removeAdminUnlessLast(userId))) {
      await this.audit.record({ type: 'roles.changed', actor, target: userId, outcome: 'denied', detail: 'last admin' });
      throw new ConflictError('This is the last admin; make another user admin first.');
    }
    const updated = await this.accounts.setRoles(userId, roles);
    if (wasAdmin && !staysAdmin) await this.endImpersonations(actor, userId, 'no longer an admin');
    await this.audit.record({ type: 'roles.changed', actor, target: userId, outcome: 'success', detail: roles.join(',') || '(none)' });
    return updated;
  }

  /**
   * Bans a user, for HTTP, pages and CLI alike: the reason is trimmed and must be 1 to
   * MAX_BAN_REASON characters, and `until` (null: no end) must be in the future on Redis's clock,
   * which judges the ban. The ban and its details are written in one step that ends every session.
   */
  async ban(actor: Actor, userId: string, reason: string, until: Date | null): Promise<BanDetails> {
    const trimmed = reason.trim();
    const problems: FieldProblem[] = [];
    if (trimmed.length === 0) problems.push({ field: 'reason', message: 'is required' });
    if (trimmed.length > MAX_BAN_REASON) problems.push({ field: 'reason', message: `must be at most ${MAX_BAN_REASON} characters` });
    const now = await this.store.nowMs();
    if (until && !(until.getTime() > now)) problems.push({ field: 'until', message: 'must be in the future' });
    if (problems.length > 0) throw new ValidationError(problems);
    if (actor.id === userId) {
      await this.audit.record({ type: 'user.banned', actor, target: userId, outcome: 'denied', detail: 'self' });
      throw new ConflictError('You cannot ban yourself.');
    }
    const user = await this.requireUser(userId);
    const details: BanDetails = {
      userId,
      username: user.username,
      reason: trimmed,
      by: { id: actor.id, name: actor.name },
      since: new Date(now).toISOString(),
      until: until ? until.toISOString() : null,
    };
    const ended = await this.sessions.ban(userId, until, JSON.stringify(details));
    await this.endImpersonations(actor, userId, 'the admin who started them was banned');
    await this.store.listBan(userId, until);
    await this.audit.record({
      type: 'user.banned',
      actor,
      target: userId,
      outcome: 'success',
      detail: `${trimmed} (until ${details.until ?? 'lifted'}; ${ended} sessions ended)`,
    });
    return details;
  }

  async unban(actor: Actor, userId: string): Promise<void> {
    const lifted = await this.sessions.unban(userId);
    await this.store.unlistBan(userId);
    await this.audit.record({ type: 'user.unbanned', actor, target: userId, outcome: lifted ? 'success' : 'failure' });
    if (!lifted) throw new NotFoundError('That user is not banned.');
  }

  listBans(count: number, offset: number): Promise<{ bans: BanDetails[]; next: number | null }> {
    return this.store.pageBans(count, offset);
  }

  /**
   * Lifts a throttle: a username and an address together end that pair's lockout; a username
   * alone its lock over all addresses; an address alone its failed-login and registration limits.
   */
  async clearThrottle(actor: Actor, subject: { username?: string; address?: string }): Promise<number> {
    const username = subject.username === undefined ? undefined : normalizeUsername(subject.username);
    const cleared = await this.throttle.clear({ username, address: subject.address });
    const detail = [username && `username ${username}`, subject.address && `address ${subject.address}`].filter(Boolean).join(', ');
    await this.audit.record({ type: 'throttle.cleared', actor, outcome: cleared > 0 ? 'success' : 'failure', detail });
    return cleared;
  }

  /** Refuses (403, audited) a grant of impersonate-admins by anyone but an admin who holds it, to anyone but themselves. */
  private async refuseUnlessGrantsImpersonation(actor: Actor, userId: string): Promise<void> {
    const self = actor.id === userId;
    if (!self && (await this.accounts.findById(actor.id))?.roles.includes(IMPERSONATE_ADMINS_ROLE)) return;
    await this.audit.record({
      type: 'roles.changed',
      actor,
      target: userId,
      outcome: 'denied',
      detail: `${IMPERSONATE_ADMINS_ROLE}: ${self ? 'self' : 'not held'}`,
    });
    throw new ForbiddenError(
      self ? `You cannot grant yourself the "${IMPERSONATE_ADMINS_ROLE}" role.` : `Only an admin who holds the "${IMPERSONATE_ADMINS_ROLE}" role may grant it.`,
    );
  }

  private async requireUser(userId: string): Promise<PublicUser> {
    const user = await this.accounts.findById(userId);
    if (!user) throw new NotFoundError('No user has that id.');
    return user;
  }
}
