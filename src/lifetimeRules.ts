/**
 * Shorter session lifetimes for some kinds of login: a kiosk's or a shared device's, a login
 * that was not remembered, an admin's. The global idleTimeoutSeconds and absoluteLifetimeSeconds
 * stay the ceiling; a login takes the shortest of every rule that matches it. Defined and
 * validated here; options.ts resolves them with the other session options.
 */
import { closestName } from './didYouMean';
import { TesseraArgumentError } from './errors';
import { DEVICE_TYPE, ROLE } from './validation/rules';

/** Bounds a rule sets; each left out keeps the global one. */
export interface Lifetime {
  /** Idle timeout of the matching sessions. Seconds; default: the global one. */
  idleTimeoutSeconds?: number;
  /** Absolute lifetime of the matching sessions. Seconds; default: the global one. */
  absoluteLifetimeSeconds?: number;
}

/** The rules by kind of login (TesseraOptions.lifetimes); a login takes the shortest bound of every rule that matches it. */
export interface LifetimeRules {
  /** By the device type a login names (lower case), such as `{ kiosk: { idleTimeoutSeconds: 300 } }`. */
  deviceTypes?: Record<string, Lifetime>;
  /** Logins with `remember` (the session's own lifetime; its refresh token keeps the refresh lifetimes). */
  remembered?: Lifetime;
  /** Logins without `remember`. */
  unremembered?: Lifetime;
  /** By a role the user holds at login, such as `{ admin: { absoluteLifetimeSeconds: 28800 } }`. */
  roles?: Record<string, Lifetime>;
}

/** Both bounds of a session's life, as a login gets them. */
export interface SessionLifetime {
  idleTimeoutSeconds: number;
  absoluteLifetimeSeconds: number;
}

/** What a rule can match on. */
export interface LoginKind {
  /** Lower case, or null when the login named none. */
  deviceType: string | null;
  remembered: boolean;
  roles: readonly string[];
}

/** The rules as resolveTesseraOptions() checked them: every kind present, frozen. */
export type ResolvedLifetimeRules = Readonly<{
  deviceTypes: Readonly<Record<string, Readonly<Lifetime>>>;
  remembered: Readonly<Lifetime>;
  unremembered: Readonly<Lifetime>;
  roles: Readonly<Record<string, Readonly<Lifetime>>>;
}>;

export const NO_LIFETIME_RULES: ResolvedLifetimeRules = Object.freeze({ deviceTypes: {}, remembered: {}, unremembered: {}, roles: {} });

const RULE_NAMES = ['deviceTypes', 'remembered', 'unremembered', 'roles'] as const;
const LIFETIME_NAMES = ['idleTimeoutSeconds', 'absoluteLifetimeSeconds'] as const;

/** Checks the rules against the ceiling and answers a frozen copy; throws TesseraArgumentError naming what to fix. */
export function resolveLifetimeRules(rules: LifetimeRules, ceiling: SessionLifetime): ResolvedLifetimeRules {
  assertObject('lifetimes', rules);
  assertKnown('lifetimes', rules, RULE_NAMES);
  const lifetime = (path: string, given: Lifetime | undefined) => resolveLifetime(path, given ?? {}, ceiling);
  const keyed = (name: 'deviceTypes' | 'roles', pattern: RegExp, what: string) => {
    const given = rules[name] ?? {};
    assertObject(`lifetimes.${name}`, given);
    return Object.freeze(
      Object.fromEntries(
        Object.entries(given).map(([key, value]) => {
          if (!pattern.test(key))
            throw new TesseraArgumentError(`lifetimes.${name}: "${key}" is not a ${what} (${pattern}); device types and roles are lower case.`);
          return [key, lifetime(`lifetimes.${name}.${key}`, value)];
        }),
      ),
    );
  };
  return Object.freeze({
    deviceTypes: keyed('deviceTypes', DEVICE_TYPE, 'device type'),
    remembered: lifetime('lifetimes.remembered', rules.remembered),
    unremembered: lifetime('lifetimes.unremembered', rules.unremembered),
    roles: keyed('roles', ROLE, 'role'),
  });
}

/** The lifetime of a login of this kind: the shortest bound of every matching rule, the global one at most. */
export function lifetimeOf(rules: ResolvedLifetimeRules, ceiling: SessionLifetime, kind: LoginKind): SessionLifetime {
  const matching = [
    kind.deviceType === null ? undefined : rules.deviceTypes[kind.deviceType],
    kind.remembered ? rules.remembered : rules.unremembered,
    ...kind.roles.map((role) => rules.roles[role]),
  ];
  let { idleTimeoutSeconds, absoluteLifetimeSeconds } = ceiling;
  for (const rule of matching) {
    if (rule?.idleTimeoutSeconds !== undefined) idleTimeoutSeconds = Math.min(idleTimeoutSeconds, rule.idleTimeoutSeconds);
    if (rule?.absoluteLifetimeSeconds !== undefined) absoluteLifetimeSeconds = Math.min(absoluteLifetimeSeconds, rule.absoluteLifetimeSeconds);
  }
  // A rule's short absolute lifetime also bounds the idle timeout of the other rules.
  return { idleTimeoutSeconds: Math.min(idleTimeoutSeconds, absoluteLifetimeSeconds), absoluteLifetimeSeconds };
}

function resolveLifetime(path: string, given: Lifetime, ceiling: SessionLifetime): Readonly<Lifetime> {
  assertObject(path, given);
  assertKnown(path, given, LIFETIME_NAMES);
  const resolved: Lifetime = {};
  for (const name of LIFETIME_NAMES) {
    const value = given[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new TesseraArgumentError(`${path}.${name} must be a positive number of seconds; got ${String(value)}.`);
    }
    if (value > ceiling[name]) {
      throw new TesseraArgumentError(`${path}.${name} (${value}) must not exceed ${name} (${ceiling[name]}): the global setting is the ceiling of every rule.`);
    }
    resolved[name] = value;
  }
  if (
    resolved.idleTimeoutSeconds !== undefined &&
    resolved.absoluteLifetimeSeconds !== undefined &&
    resolved.idleTimeoutSeconds > resolved.absoluteLifetimeSeconds
  ) {
    throw new TesseraArgumentError(
      `${path}.idleTimeoutSeconds (${resolved.idleTimeoutSeconds}) must not exceed its absoluteLifetimeSeconds (${resolved.absoluteLifetimeSeconds}).`,
    );
  }
  return Object.freeze(resolved);
}

function assertObject(path: string, value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TesseraArgumentError(`${path} must be an object; got ${Array.isArray(value) ? 'an array' : String(value)}.`);
  }
}

function assertKnown(path: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const suggestion = closestName(key, known);
    throw new TesseraArgumentError(`Unknown option "${path}.${key}"${suggestion ? `; did you mean "${suggestion}"?` : `. Known: ${known.join(', ')}.`}`);
  }
}
