/**
 * The session lifecycle as events other services can follow (one capped Redis stream, read with
 * consumer groups): sessions created and revoked, every session of a user revoked, bans and their
 * lifting, password changes, and two signals for a mailer: a login from a device the user has not
 * signed in from, and a session used from a new address. An event is appended after its act has happened, so a failure to
 * append is reported to the observer, never turned into a failed answer for a completed act.
 * Expiry is not an event: a session that times out simply stops validating.
 */
import type { EventStore } from '../store/eventStore';
import type { SessionObserver } from './observer';

/** The event types, as they appear in each entry's `type` field. */
export type LifecycleEventType =
  | 'session.created'
  | 'session.revoked'
  | 'sessions.revoked'
  | 'user.banned'
  | 'user.unbanned'
  | 'password.changed'
  | 'session.new-device'
  | 'session.address-changed';

/**
 * Why a single session was revoked: by its id (logout, own or admin revoke, a reused refresh
 * token), by a login over the limits, or by its refresh token being spent for the next session.
 */
export type SessionRevokedReason = 'revoked' | 'replaced' | 'refreshed';

export class LifecycleEvents {
  /** `store` null: events are off and nothing is written. */
  constructor(
    private readonly store: EventStore | null,
    private readonly observer: SessionObserver,
  ) {}

  get enabled(): boolean {
    return this.store !== null;
  }

  sessionCreated(userId: string, sessionId: string): Promise<void> {
    return this.append({ type: 'session.created', user: userId, session: sessionId });
  }

  /** `userId` null: the session's user is no longer known (its user record is gone). */
  sessionRevoked(userId: string | null, sessionId: string, reason: SessionRevokedReason): Promise<void> {
    return this.append({ type: 'session.revoked', ...(userId ? { user: userId } : {}), session: sessionId, reason });
  }

  /** Every session of the user ended, except `keptSessionId` when given. */
  sessionsRevoked(userId: string, ended: number, keptSessionId?: string): Promise<void> {
    return this.append({ type: 'sessions.revoked', user: userId, ended: String(ended), ...(keptSessionId ? { kept: keptSessionId } : {}) });
  }

  /** Every session ended and no new one starts until `until` (null: no end). */
  userBanned(userId: string, until: Date | null, ended: number): Promise<void> {
    return this.append({ type: 'user.banned', user: userId, until: until ? until.toISOString() : 'never', ended: String(ended) });
  }

  userUnbanned(userId: string): Promise<void> {
    return this.append({ type: 'user.unbanned', user: userId });
  }

  /** Every other session ended; `keptSessionId` is the one the change was made from. */
  passwordChanged(userId: string, ended: number, keptSessionId: string): Promise<void> {
    return this.append({ type: 'password.changed', user: userId, ended: String(ended), kept: keptSessionId });
  }

  /** A login from a device not among the user's known ones; the fields are the login's, each left out when unknown. */
  newDevice(userId: string, sessionId: string, seen: { deviceType?: string; deviceName?: string; ip?: string; userAgent?: string }): Promise<void> {
    const optional = Object.entries(seen).filter((entry): entry is [string, string] => Boolean(entry[1]));
    return this.append({ type: 'session.new-device', user: userId, session: sessionId, ...Object.fromEntries(optional) });
  }

  /** A live session was used from another address than before: a signal, never a refusal. */
  addressChanged(userId: string, sessionId: string, from: string, to: string): Promise<void> {
    return this.append({ type: 'session.address-changed', user: userId, session: sessionId, from, to });
  }

  private async append(fields: { type: LifecycleEventType } & Record<string, string>): Promise<void> {
    if (!this.store) return;
    try {
      await this.store.append(fields);
    } catch (error) {
      this.observer.eventLost?.(error);
    }
  }
}
