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
  /** The user's roles, when known: spares work only an admin's acts need (ending their impersonations). */
  roles?: readonly string[];
  /**
   * In an impersonation session: the admin really acting, while `id` and `name` are the user acted
   * as. The trail then names the admin as actor and the user as impersonated.
   */
  impersonator?: { id: string; name: string | null } | null;
}

/** A user by id and name, as an entry names them. */
export interface NamedUser {
  id: string;
  name: string | null;
}

export interface AuditEvent {
  type: AuditEventType;
  actor: Actor | null;
  /** What the act was done to: a user id or a session id. */
  target?: string | null;
  /** The user an impersonation acts as (its start, its end, and acts done in it); `actor` is then the admin. */
  impersonated?: NamedUser | null;
  outcome: AuditOutcome;
  /** A short reason or summary; never a secret. */
  detail?: string | null;
}

export interface AuditEntry extends Omit<AuditEvent, 'actor' | 'impersonated'> {
  id: string;
  time: Date;
  actor: { id: string | null; name: string | null };
  /** Null unless the entry is of an impersonation: the user acted as. */
  impersonated: NamedUser | null;
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
    const { actor } = event;
    // In an impersonation session the admin acted, as the user: the trail names both, apart.
    const acting = actor?.impersonator ?? actor;
    const impersonated = event.impersonated ?? (actor?.impersonator ? { id: actor.id, name: actor.name } : null);
    if (acting) {
      // A failed login for an unknown name has a name but no user id.
      if (acting.id) fields.actor = acting.id;
      if (acting.name) fields.actorName = acting.name;
    }
    if (actor?.ip) fields.ip = actor.ip;
    if (impersonated) {
      fields.impersonated = impersonated.id;
      if (impersonated.name) fields.impersonatedName = impersonated.name;
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
      impersonated: fields.impersonated ? { id: fields.impersonated, name: fields.impersonatedName ?? null } : null,
      target: fields.target ?? null,
      ip: fields.ip ?? null,
      outcome: fields.outcome as AuditOutcome,
      detail: fields.detail ?? null,
    }));
    return { entries, next: records.length === count ? records[records.length - 1].id : null };
  }
}
