/**
 * Options of the session service: defined, defaulted and validated here and nowhere else.
 */
import { closestName } from './didYouMean';
import { TesseraArgumentError } from './errors';
import { NO_LIFETIME_RULES, resolveLifetimeRules, type LifetimeRules, type ResolvedLifetimeRules } from './lifetimeRules';
import type { SessionObserver } from './sessions/observer';

/** The options of `createTessera`; every one is optional and defaulted in `DEFAULT_TESSERA_OPTIONS`. */
export interface TesseraOptions {
  /** A session unused for this long ends. Seconds; default 1800 (30 minutes). */
  idleTimeoutSeconds?: number;
  /** A session ends this long after login however active it is. Seconds; default 604800 (7 days). */
  absoluteLifetimeSeconds?: number;
  /**
   * A session slid less than this long ago is not slid again: its token check writes nothing, so a
   * token used many times a second costs replicas and the AOF nothing. A session may thus end up to
   * this much sooner than idleTimeoutSeconds after its last use, and last-seen times (and so the
   * least-recently-used order of maxSessionsPerUser) are this coarse. 0 slides on every check.
   * Milliseconds, below the idle timeout; default 1000, or a tenth of the idle timeout when shorter.
   */
  slideGranularityMs?: number;
  /**
   * Shorter lifetimes for kinds of login: by device type, remembered or not, by role (admins).
   * idleTimeoutSeconds and absoluteLifetimeSeconds above stay the ceiling; a login takes the
   * shortest bound of every rule that matches it. Default: none.
   */
  lifetimes?: LifetimeRules;
  /** Prefix of every Redis key; no braces. Default "tessera". */
  keyPrefix?: string;
  /** Live sessions a user may hold; a new login ends the least recently used. Default 100; Infinity only when asked for. */
  maxSessionsPerUser?: number;
  /** A login that names a device type ends the user's previous session of that type. Default false. */
  oneSessionPerDeviceType?: boolean;
  /** Largest JSON encoding of one session attribute value. Bytes; default 512. */
  maxAttributeBytes?: number;
  /** Most attributes one session may carry. Default 16. */
  maxAttributes?: number;
  /**
   * Replicas that must confirm a security write (logout, revoke, password change, ban, unban,
   * role change) before it succeeds; otherwise it throws a 503 UnconfirmedWriteError. Default 0.
   * When writes are confirmed, call SessionService.close() at the end: they use a connection of their own.
   */
  durableReplicas?: number;
  /** How long a security write waits for that confirmation (and for the fsync, on Redis 7.2+ with AOF). Milliseconds; default 500. */
  durableTimeoutMs?: number;
  /**
   * Length cap of the lifecycle event stream (sessions created and revoked, bans, password
   * changes) that other services follow; Redis trims the oldest past it. Entries; default 0: no
   * events are written.
   */
  eventStreamMaxEntries?: number;
  /**
   * Devices remembered per user for the new-device signal: a login from a device (its type, name
   * and user agent together) not among the user's most recent this many emits `session.new-device`.
   * 0 remembers none and emits nothing. Default 20.
   */
  knownDevicesPerUser?: number;
  /** Told of token checks, revocations and lost events (for metrics). Default: none. */
  observer?: SessionObserver;
  /** A remembered login's refresh token unused for this long ends. Seconds; default 2592000 (30 days). */
  refreshIdleTimeoutSeconds?: number;
  /** A remembered login ends this long after the login however often it refreshes. Seconds; default 7776000 (90 days). */
  refreshAbsoluteLifetimeSeconds?: number;
  /**
   * A spent refresh token presented again within this long gets the same new pair back (two tabs
   * racing, a lost response); later it is taken for theft and ends its family. Seconds; default 30.
   */
  refreshReuseGraceSeconds?: number;
}

/** Every option, defaulted and validated. */
export type ResolvedTesseraOptions = Readonly<Required<Omit<TesseraOptions, 'lifetimes'>> & { lifetimes: ResolvedLifetimeRules }>;

/** The default of every option. */
export const DEFAULT_TESSERA_OPTIONS: ResolvedTesseraOptions = Object.freeze({
  idleTimeoutSeconds: 30 * 60,
  absoluteLifetimeSeconds: 7 * 24 * 60 * 60,
  slideGranularityMs: 1000,
  lifetimes: NO_LIFETIME_RULES,
  keyPrefix: 'tessera',
  maxSessionsPerUser: 100,
  oneSessionPerDeviceType: false,
  maxAttributeBytes: 512,
  maxAttributes: 16,
  durableReplicas: 0,
  durableTimeoutMs: 500,
  eventStreamMaxEntries: 0,
  knownDevicesPerUser: 20,
  observer: Object.freeze({}),
  refreshIdleTimeoutSeconds: 30 * 24 * 60 * 60,
  refreshAbsoluteLifetimeSeconds: 90 * 24 * 60 * 60,
  refreshReuseGraceSeconds: 30,
});

/** The default granularity, capped so that a short idle timeout is shortened by a tenth at most. */
function defaultSlideGranularityMs(idleTimeoutSeconds: number): number {
  return Math.min(DEFAULT_TESSERA_OPTIONS.slideGranularityMs, Math.floor(idleTimeoutSeconds * 100));
}

/** Braces are excluded: they would break the Redis Cluster hash tags inside every key. */
export const KEY_PREFIX_PATTERN = /^[A-Za-z0-9:._-]{1,64}$/;

/**
 * Lays `options` over the defaults and validates them; throws `TesseraArgumentError` naming the
 * option to fix (and, for an unknown key, the closest known one).
 */
export function resolveTesseraOptions(options: TesseraOptions = {}): ResolvedTesseraOptions {
  assertKnownKeys(options);
  // Only the options given: an explicit undefined (or null) keeps the default, as before.
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined && value !== null)) as TesseraOptions;
  const idleTimeoutSeconds = given.idleTimeoutSeconds ?? DEFAULT_TESSERA_OPTIONS.idleTimeoutSeconds;
  const resolved: Required<Omit<TesseraOptions, 'lifetimes'>> & { lifetimes: LifetimeRules } = {
    ...DEFAULT_TESSERA_OPTIONS,
    slideGranularityMs: defaultSlideGranularityMs(idleTimeoutSeconds),
    ...given,
  };
  positiveNumber('idleTimeoutSeconds', resolved.idleTimeoutSeconds);
  positiveNumber('absoluteLifetimeSeconds', resolved.absoluteLifetimeSeconds);
  if (resolved.idleTimeoutSeconds > resolved.absoluteLifetimeSeconds) {
    throw new TesseraArgumentError(
      `idleTimeoutSeconds (${resolved.idleTimeoutSeconds}) must not exceed absoluteLifetimeSeconds (${resolved.absoluteLifetimeSeconds}).`,
    );
  }
  if (
    !Number.isSafeInteger(resolved.slideGranularityMs) ||
    resolved.slideGranularityMs < 0 ||
    resolved.slideGranularityMs >= resolved.idleTimeoutSeconds * 1000
  ) {
    throw new TesseraArgumentError(
      `slideGranularityMs must be a whole number of milliseconds, 0 or more and below the idle timeout (${resolved.idleTimeoutSeconds * 1000}); got ${String(resolved.slideGranularityMs)}.`,
    );
  }
  const lifetimes = resolveLifetimeRules(resolved.lifetimes, resolved);
  positiveNumber('refreshIdleTimeoutSeconds', resolved.refreshIdleTimeoutSeconds);
  positiveNumber('refreshAbsoluteLifetimeSeconds', resolved.refreshAbsoluteLifetimeSeconds);
  positiveNumber('refreshReuseGraceSeconds', resolved.refreshReuseGraceSeconds);
  if (resolved.refreshIdleTimeoutSeconds > resolved.refreshAbsoluteLifetimeSeconds) {
    throw new TesseraArgumentError(
      `refreshIdleTimeoutSeconds (${resolved.refreshIdleTimeoutSeconds}) must not exceed refreshAbsoluteLifetimeSeconds (${resolved.refreshAbsoluteLifetimeSeconds}).`,
    );
  }
  if (!KEY_PREFIX_PATTERN.test(resolved.keyPrefix)) {
    throw new TesseraArgumentError(
      `keyPrefix must be 1-64 characters of letters, digits, ":", ".", "_" or "-" (braces would break Redis Cluster hash tags); got ${JSON.stringify(resolved.keyPrefix)}.`,
    );
  }
  if (resolved.maxSessionsPerUser !== Infinity) positiveInteger('maxSessionsPerUser', resolved.maxSessionsPerUser);
  positiveInteger('maxAttributeBytes', resolved.maxAttributeBytes);
  positiveInteger('maxAttributes', resolved.maxAttributes);
  if (!Number.isSafeInteger(resolved.durableReplicas) || resolved.durableReplicas < 0) {
    throw new TesseraArgumentError(`durableReplicas must be a whole number, 0 or more; got ${String(resolved.durableReplicas)}.`);
  }
  positiveInteger('durableTimeoutMs', resolved.durableTimeoutMs);
  if (resolved.eventStreamMaxEntries !== 0) positiveInteger('eventStreamMaxEntries', resolved.eventStreamMaxEntries);
  if (resolved.knownDevicesPerUser !== 0) positiveInteger('knownDevicesPerUser', resolved.knownDevicesPerUser);
  if (typeof resolved.observer !== 'object' || resolved.observer === null) {
    throw new TesseraArgumentError('observer must be an object whose methods are SessionObserver hooks.');
  }
  if (typeof resolved.oneSessionPerDeviceType !== 'boolean') {
    throw new TesseraArgumentError('oneSessionPerDeviceType must be true or false.');
  }
  return Object.freeze({ ...resolved, lifetimes });
}

function positiveNumber(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TesseraArgumentError(`${name} must be a positive number of seconds; got ${String(value)}.`);
  }
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TesseraArgumentError(`${name} must be a positive whole number; got ${String(value)}.`);
  }
}

/** A misspelt option would otherwise be ignored in silence, leaving its default in force. */
function assertKnownKeys(options: TesseraOptions): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TesseraArgumentError(`Tessera's options must be an object; got ${Array.isArray(options) ? 'an array' : String(options)}.`);
  }
  const known = Object.keys(DEFAULT_TESSERA_OPTIONS);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const suggestion = closestName(key, known);
    throw new TesseraArgumentError(`Unknown option "${key}"${suggestion ? `; did you mean "${suggestion}"?` : `. Known options: ${known.join(', ')}.`}`);
  }
}
