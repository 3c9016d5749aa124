/**
 * SESSION_LIFETIMES: the lifetime rules (lifetimeRules.ts) in one environment variable, a
 * comma-separated list of `kind=idle/absolute`, where kind is `remembered`, `unremembered`,
 * `admin`, `device:<type>` or `role:<name>`, and either duration may be `-` for the global one:
 *
 *     SESSION_LIFETIMES=device:kiosk=5m/1h,unremembered=-/1d,admin=15m/8h
 */
import { closestName } from '../didYouMean';
import type { Lifetime, LifetimeRules } from '../lifetimeRules';
import { ADMIN_ROLE, DEVICE_TYPE, ROLE } from '../validation/rules';
import { parseDurationSeconds } from './duration';

const KINDS = ['remembered', 'unremembered', 'admin', 'device:<type>', 'role:<name>'];

/** The rules, or the problems that name what to fix. */
export function parseLifetimes(text: string): { rules: LifetimeRules } | { problems: string[] } {
  const rules: { deviceTypes: Record<string, Lifetime>; roles: Record<string, Lifetime>; remembered?: Lifetime; unremembered?: Lifetime } = {
    deviceTypes: {},
    roles: {},
  };
  const problems: string[] = [];
  for (const entry of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = /^([^=]+)=([^/]*)\/([^/]*)$/.exec(entry);
    if (!match) {
      problems.push(`"${entry}" is not kind=idle/absolute (such as admin=15m/8h; "-" keeps the global duration)`);
      continue;
    }
    const [, kind, idleText, absoluteText] = match.map((part) => part.trim());
    const lifetime: Lifetime = {};
    for (const [name, value] of [
      ['idleTimeoutSeconds', idleText],
      ['absoluteLifetimeSeconds', absoluteText],
    ] as const) {
      if (value === '-' || value === '') continue;
      const seconds = parseDurationSeconds(value);
      if (seconds === null || seconds <= 0) problems.push(`"${entry}": "${value}" is not a duration like 30m or 7d (or "-")`);
      else lifetime[name] = seconds;
    }
    const problem = place(rules, kind, lifetime);
    if (problem) problems.push(problem);
  }
  return problems.length ? { problems } : { rules };
}

function place(
  rules: { deviceTypes: Record<string, Lifetime>; roles: Record<string, Lifetime>; remembered?: Lifetime; unremembered?: Lifetime },
  kind: string,
  lifetime: Lifetime,
): string | null {
  if (kind === 'remembered' || kind === 'unremembered') {
    rules[kind] = lifetime;
    return null;
  }
  if (kind === 'admin') {
    rules.roles[ADMIN_ROLE] = lifetime;
    return null;
  }
  const [family, name = ''] = kind.split(/:(.*)/s);
  if (family === 'device' && DEVICE_TYPE.test(name)) {
    rules.deviceTypes[name] = lifetime;
    return null;
  }
  if (family === 'role' && ROLE.test(name)) {
    rules.roles[name] = lifetime;
    return null;
  }
  if (family === 'device' || family === 'role')
    return `"${kind}": "${name}" is not a ${family === 'device' ? 'device type' : 'role'} (lower-case letters, digits, "_" or "-")`;
  const closest = kind.includes(':') ? closestName(family, ['device', 'role']) : closestName(kind, ['remembered', 'unremembered', 'admin']);
  const suggestion = closest && (kind.includes(':') ? `${closest}:${name}` : closest);
  return `unknown kind "${kind}"${suggestion ? `; did you mean "${suggestion}"?` : `; the kinds are ${KINDS.join(', ')}`}`;
}
