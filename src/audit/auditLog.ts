/**
 * The audit trail: every admin act and security event, with who did it, to whom, from where,
 * when and how it ended. Entries never hold tokens, passwords or hashes: only ids, names and
 * short reasons.
 *
 * Two capped streams, chosen by who writes, not by what happened. The trail holds admin acts
 * only: bans, unbans, role changes, revoked sessions, cleared throttles, created users; only the
 * admin service, the CLI and the bootstrap admin write to it (forAdminActs()), so no user can
 * push an admin's act out of it. Everything a user or a visitor can cause, however often (logins,
 * registrations, logouts, their own password changes and session revokes, alarms such as a
 * reused refresh token), goes to the sign-in stream.
 */
import type { Logger } from 'pino';
import type { AuditStream, AuditStore } from '../store/auditStore';

export type AuditEventType =
  | 'user.registered'
  | 'user.created'
  | 'login.succeeded'
  | 'login.new-device'
  | 'reauthenticated'
  | 'login.failed'
  | 'login.locked'
  | 'throttle.cleared'
  | 'logout'
  | 'logout-all'
  | 'password.changed'
  | 'session.revoked'
  | 'sessions.revoked'
  | 'user.banned'
  | 'user.unbanned'
  | 'roles.changed'
  | 'refresh.reused'
  | 'refresh.replayed'
  | 'impersonation.started'
  | 'impersonation.ended';

export type AuditOutcome = 'success' | 'failure' | 'denied';

/** Who acts: a user (by id and name), or an operator at the CLI, or the service itself. */
export interface Actor {
  id: string;
  name: string | null;
  ip?: string | null;
}

export interface AuditEvent {
  type: AuditEventType;
  actor: Actor | null;
  /** What the act was done to: a user id or a session id. */
  target?: string | null;
  outcome: AuditOutcome;
  /** A short reason or summary; never a secret. */
  detail?: string | null;
}

export interface AuditEntry extends Omit<AuditEvent, 'actor'> {
  id: string;
  time: Date;
  actor: { id: string | null; name: string | null };
  ip: string | null;
}

export class AuditLog {
  constructor(
    private readonly store: AuditStore,
    private readonly logger: Logger,
    /** Where record() appends: the sign-in stream, unless this is the admin acts' log. */
    private readonly stream: AuditStream = 'sign-in',
  ) {}

  /** The log of admin acts, which writes to the trail: for the admin service, the CLI and the bootstrap admin only. */
  forAdminActs(): AuditLog {
    return new AuditLog(this.store, this.logger, 'trail');
  }

  /**
   * Appends an event. The act it records has already happened, so a failure to record is logged
   * rather than turned into a failed answer for a completed act.
   */
  async record(event: AuditEvent): Promise<void> {
    const fields: Record<string, string> = { type: event.type, outcome: event.outcome };
    if (event.actor) {
      // A failed login for an unknown name has a name but no user id.
      if (event.actor.id) fields.actor = event.actor.id;
      if (event.actor.name) fields.actorName = event.actor.name;
      if (event.actor.ip) fields.ip = event.actor.ip;
    }
    if (event.target) fields.target = event.target;
    if (event.detail) fields.detail = event.detail.slice(0, 200);
    try {
      await this.store.append(this.stream, fields);
    } catch (error) {
      this.logger.error({ err: error, event: fields }, 'could not record an audit event');
    }
  }

  async page(count: number, before?: string, stream: AuditStream = 'trail'): Promise<{ entries: AuditEntry[]; next: string | null }> {
    const records = await this.store.page(stream, count, before);
    const entries = records.map(({ id, fields }) => ({
      id,
      time: new Date(Number(id.split('-')[0])),
      type: fields.type as AuditEventType,
      actor: { id: fields.actor ?? null, name: fields.actorName ?? null },
      target: fields.target ?? null,
      ip: fields.ip ?? null,
      outcome: fields.outcome as AuditOutcome,
      detail: fields.detail ?? null,
    }));
    return { entries, next: records.length === count ? records[records.length - 1].id : null };
  }
}
