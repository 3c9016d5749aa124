/**
 * Hooks through which the session service reports what it does, so an application can count it
 * (the service's Prometheus metrics implement this) without the library depending on any metrics
 * library. Every method is optional and called synchronously on the request's path: keep it cheap
 * and never throw.
 */

/** valid: a live session; invalid: malformed, unknown, wrong, revoked or expired; unavailable: Redis did not answer. */
export type TokenCheckOutcome = 'valid' | 'invalid' | 'unavailable';

/**
 * Why sessions ended before their time: session (one, by id: logout or revoke), all (every session
 * of a user), others (all but the caller's), ban, password (a password change ends the others),
 * replaced (a login over the per-user or per-device limit ended the least recently used).
 */
export type RevocationKind = 'session' | 'all' | 'others' | 'ban' | 'password' | 'replaced';

/** Optional hooks the session service calls synchronously, for an app's own metrics; they must be cheap and never throw. */
export interface SessionObserver {
  /** A token was checked. `touchSeconds`: how long the touch script took, or null when none answered. */
  tokenChecked?(outcome: TokenCheckOutcome, touchSeconds: number | null): void;
  /** `count` sessions ended on purpose, for the given reason (0 when the act found none live). */
  sessionsRevoked?(kind: RevocationKind, count: number): void;
  /** A lifecycle event could not be appended to the event stream; the act it describes did happen. */
  eventLost?(error: unknown): void;
}
