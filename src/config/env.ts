/**
 * The service's configuration, read from the environment once at start and validated, with
 * messages that name the variable to fix. The service's defaults live here; session settings left
 * unset take the library's defaults (options.ts).
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { passwordSchema, usernameSchema } from '../validation/fieldSchemas';
import { fieldProblems } from '../validation/zodIssues';
import { DEFAULT_TESSERA_OPTIONS, KEY_PREFIX_PATTERN } from '../options';
import { DEFAULT_HTTP_LIMITS } from '../limits/httpLimits';
import { DEFAULT_THROTTLE_OPTIONS, IPV6_SUBNET_BITS_RANGE } from '../throttleOptions';
import { DEFAULT_DPOP_OPTIONS } from '../dpopOptions';
import { DEFAULT_DEVICE_WINDOW_SECONDS, DEVICE_WINDOW_RANGE } from '../sessions/deviceBinding';
import { DEFAULT_PASSWORD_QUEUE_LIMIT } from '../passwords/passwordHasher';
import { DEFAULT_PASSWORD_MIN_SCORE, MAX_PASSWORD_SCORE, passwordProblem } from '../validation/passwordPolicy';
import { parseDurationSeconds } from './duration';
import { corsOriginProblem } from '../http/cors';
import { parseLifetimes } from './lifetimesEnv';
import { DEFAULT_ADMIN_REAUTH_AFTER_SECONDS, DEFAULT_IMPERSONATION_TTL_SECONDS } from '../admin/adminService';
import type { Lifetime, LifetimeRules } from '../lifetimeRules';

function toSeconds(value: string, ctx: z.RefinementCtx): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === null || seconds <= 0) {
    ctx.addIssue({ code: 'custom', message: `must be seconds or a duration like 30m or 7d; got "${value}"` });
    return z.NEVER;
  }
  return seconds;
}

const duration = (fallback: string) => z.string().default(fallback).transform(toSeconds);

/** Unset stays undefined, so the library's own default applies. */
const optionalDuration = () =>
  z
    .string()
    .optional()
    .transform((value, ctx) => (value === undefined ? undefined : toSeconds(value, ctx)));

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const positiveInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/** A count with its default from the library's options, so the default lives in one place. */
const count = (fallback: number, max: number) => positiveInt(1, max).default(fallback);

/** A duration with its default from the library's options (seconds). */
const durationOf = (fallbackSeconds: number) => z.string().default(String(fallbackSeconds)).transform(toSeconds);

const onOff = (fallback: 'on' | 'off') =>
  z
    .enum(['on', 'off', 'true', 'false', '1', '0'], { error: 'must be on or off' })
    .default(fallback)
    .transform((value) => value === 'on' || value === 'true' || value === '1');

/**
 * How many proxies in front are trusted to append the client's address to X-Forwarded-For: `off`
 * (0), `on` (exactly one: the load balancer next to Tessera) or a count of hops. Only that many
 * entries from the right are believed; anything further left was written by the client.
 */
const trustedProxyHops = z
  .string()
  .default('off')
  .transform((value, ctx) => {
    if (['off', 'false', '0'].includes(value)) return 0;
    if (['on', 'true'].includes(value)) return 1;
    if (/^\d{1,2}$/.test(value) && Number(value) <= 10) return Number(value);
    ctx.addIssue({ code: 'custom', message: 'must be off, on (one proxy) or the number of proxies in front, 1-10' });
    return z.NEVER;
  });

/** Addresses only this machine can reach: the one place a cookie without Secure is acceptable. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

const HOST_PORT = /^[^\s:]+:\d{1,5}$/;

/** A comma-separated list of host:port; each bad entry is named by its value, not its position. */
const hostPortList = () =>
  z.string().transform((text, ctx) => {
    const nodes = text
      .split(',')
      .map((node) => node.trim())
      .filter(Boolean);
    if (nodes.length === 0) ctx.addIssue({ code: 'custom', message: 'must list at least one host:port' });
    for (const node of nodes.filter((candidate) => !HOST_PORT.test(candidate))) {
      ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of host:port; "${node}" is not` });
    }
    return nodes;
  });

/** Exact origins whose pages may call across origins; each bad entry is named by its value. */
const corsOrigins = () =>
  z.string().transform((text, ctx) => {
    const origins = text
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean);
    if (origins.length === 0) ctx.addIssue({ code: 'custom', message: 'must list at least one origin such as https://app.example.com, or be unset' });
    for (const problem of origins.map(corsOriginProblem).filter((found) => found !== null)) ctx.addIssue({ code: 'custom', message: problem });
    return origins;
  });

/** How a security write is confirmed when DURABLE_TIMEOUT is unset. */
export const DEFAULT_DURABLE_TIMEOUT = `${DEFAULT_TESSERA_OPTIONS.durableTimeoutMs}ms`;

/** The Redis settings that pick where sessions live; at most one may be set (none: the embedded Redis). */
const REDIS_TARGETS = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const;

const envSchema = z
  .object({
    PORT: positiveInt(0, 65535).default(3000),
    // Unset: the number of cores (see workersOf).
    WORKERS: positiveInt(1, 256).optional(),
    HOST: z.string().min(1).default('0.0.0.0'),
    REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
    REDIS_CLUSTER_NODES: hostPortList().optional(),
    REDIS_SENTINELS: hostPortList().optional(),
    REDIS_SENTINEL_MASTER: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be the master name the sentinels monitor')
      .optional(),
    REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
    REDIS_PASSWORD: z.string().min(1).optional(),
    // Unset: 0, or 1 with Sentinel (which always has a replica to promote); see durableReplicasOf.
    DURABLE_REPLICAS: positiveInt(0, 16).optional(),
    DURABLE_TIMEOUT: z
      .string()
      .default(DEFAULT_DURABLE_TIMEOUT)
      .transform((value, ctx) => {
        const seconds = parseDurationSeconds(value);
        if (seconds === null || seconds * 1000 < 10 || seconds > 10) {
          ctx.addIssue({ code: 'custom', message: `must be a duration from 10ms to 10s, like 500ms; got "${value}"` });
          return z.NEVER;
        }
        return Math.round(seconds * 1000);
      }),
    KEY_PREFIX: z.string().regex(KEY_PREFIX_PATTERN, 'must be 1-64 letters, digits, ":", ".", "_" or "-"').optional(),
    SESSION_IDLE_TIMEOUT: optionalDuration(),
    SESSION_ABSOLUTE_TIMEOUT: optionalDuration(),
    SESSION_SLIDE_GRANULARITY: z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined) return undefined;
        const seconds = parseDurationSeconds(value);
        if (seconds === null || !Number.isInteger(seconds * 1000)) {
          ctx.addIssue({ code: 'custom', message: `must be 0 or a duration in whole milliseconds, like 1s or 250ms; got "${value}"` });
          return z.NEVER;
        }
        return seconds * 1000;
      }),
    SESSION_LIFETIMES: z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined) return undefined;
        const parsed = parseLifetimes(value);
        if ('rules' in parsed) return parsed.rules;
        for (const problem of parsed.problems) ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }),
    // 0 turns the check off; otherwise every admin write needs a sign-in at most this old.
    ADMIN_REAUTH_AFTER: z
      .string()
      .default(String(DEFAULT_ADMIN_REAUTH_AFTER_SECONDS))
      .transform((value, ctx) => (value.trim() === '0' ? 0 : Math.ceil(toSeconds(value, ctx)))),
    IMPERSONATION_TTL: durationOf(DEFAULT_IMPERSONATION_TTL_SECONDS),
    REFRESH_IDLE_TIMEOUT: optionalDuration(),
    REFRESH_ABSOLUTE_TIMEOUT: optionalDuration(),
    REFRESH_REUSE_GRACE: optionalDuration(),
    MAX_SESSIONS_PER_USER: z
      .union([z.literal('unlimited').transform(() => Infinity), positiveInt(1, 100_000)], {
        error: 'must be a whole number from 1 to 100000, or unlimited',
      })
      .optional(),
    ONE_SESSION_PER_DEVICE_TYPE: onOff('off'),
    BCRYPT_COST: positiveInt(4, 15).default(12),
    PASSWORD_MIN_SCORE: positiveInt(0, MAX_PASSWORD_SCORE).default(DEFAULT_PASSWORD_MIN_SCORE),
    SIGNUP: onOff('on'),
    TRUST_PROXY: trustedProxyHops,
    LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    BODY_LIMIT_BYTES: positiveInt(256, 1_048_576).default(16_384),
    RATE_LIMITS: onOff('on'),
    LOGIN_FREE_TRIES: count(DEFAULT_THROTTLE_OPTIONS.loginFreeTries, 1000),
    LOGIN_LOCKOUT: durationOf(DEFAULT_THROTTLE_OPTIONS.loginLockoutSeconds),
    LOGIN_LOCKOUT_MAX: durationOf(DEFAULT_THROTTLE_OPTIONS.loginLockoutMaxSeconds),
    LOGIN_FAILURES_PER_ADDRESS: count(DEFAULT_THROTTLE_OPTIONS.loginFailuresPerAddress, 1_000_000),
    LOGIN_FAILURES_PER_USERNAME: count(DEFAULT_THROTTLE_OPTIONS.loginFailuresPerUsername, 1_000_000),
    REGISTRATIONS_PER_ADDRESS: count(DEFAULT_THROTTLE_OPTIONS.registrationsPerAddress, 1_000_000),
    IPV6_SUBNET: positiveInt(IPV6_SUBNET_BITS_RANGE.min, IPV6_SUBNET_BITS_RANGE.max).default(DEFAULT_THROTTLE_OPTIONS.ipv6SubnetBits),
    PASSWORD_CHECKS_PER_ADDRESS: count(DEFAULT_THROTTLE_OPTIONS.passwordChecksPerAddress, 10_000),
    PASSWORD_QUEUE_LIMIT: count(DEFAULT_PASSWORD_QUEUE_LIMIT, 100_000),
    MAX_CONNECTIONS: count(DEFAULT_HTTP_LIMITS.maxConnections, 1_000_000),
    ALLOW_REDIS_EVICTION: onOff('off'),
    HEADERS_TIMEOUT: durationOf(DEFAULT_HTTP_LIMITS.headersTimeoutMs / 1000),
    REQUEST_TIMEOUT: durationOf(DEFAULT_HTTP_LIMITS.requestTimeoutMs / 1000),
    DATA_DIR: z.string().min(1).optional(),
    ADMIN_USERNAME: usernameSchema.optional(),
    ADMIN_PASSWORD: passwordSchema.optional(),
    AUDIT_MAX_ENTRIES: positiveInt(100, 10_000_000).default(100_000),
    AUDIT_SIGNIN_MAX_ENTRIES: positiveInt(100, 10_000_000).default(100_000),
    COOKIE_TRANSPORT: onOff('off'),
    EXAMPLE_APP: onOff('off'),
    COOKIE_SECURE: onOff('on'),
    PUBLIC_ORIGIN: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// origin such as https://auth.example.com' })
      .transform((text) => new URL(text))
      .refine((url) => url.pathname === '/' && !url.search && !url.hash && !url.username, 'must be an origin only, without a path')
      .transform((url) => url.origin)
      .optional(),
    // optional: a login with a DPoP proof is bound to its key; required: a login without one is refused.
    DPOP: z.enum(['optional', 'required'], { error: 'must be optional or required' }).default(DEFAULT_DPOP_OPTIONS.mode),
    DPOP_NONCE: onOff('off'),
    DPOP_PROOF_WINDOW: z
      .string()
      .default(String(DEFAULT_DPOP_OPTIONS.proofWindowSeconds))
      .transform((value, ctx) => {
        const seconds = parseDurationSeconds(value);
        if (seconds === null || !Number.isInteger(seconds) || seconds < 5 || seconds > 600) {
          ctx.addIssue({ code: 'custom', message: `must be whole seconds from 5s to 10m, like 60s; got "${value}"` });
          return z.NEVER;
        }
        return seconds;
      }),
    // With the cookie transport: offer browsers to bind their session to a key of theirs (W3C DBSC).
    DBSC: onOff('on'),
    DBSC_WINDOW: z
      .string()
      .default(String(DEFAULT_DEVICE_WINDOW_SECONDS))
      .transform((value, ctx) => {
        const seconds = parseDurationSeconds(value);
        const { min, max } = DEVICE_WINDOW_RANGE;
        if (seconds === null || !Number.isInteger(seconds) || seconds < min || seconds > max) {
          ctx.addIssue({ code: 'custom', message: `must be whole seconds from ${min}s to ${max / 60}m, like 10m; got "${value}"` });
          return z.NEVER;
        }
        return seconds;
      }),
    // Unset: no CORS headers at all.
    CORS_ORIGINS: corsOrigins().optional(),
    FORM_TOKEN_TTL: duration('2h'),
    FORM_SECRET: z
      .string()
      .regex(/^[\x21-\x7e]{32,256}$/, 'must be 32-256 printable characters without spaces (a long random string, the same on every instance)')
      .optional(),
    METRICS_PORT: positiveInt(0, 65535).optional(),
    EVENT_STREAM: onOff('off'),
    EVENT_STREAM_MAX_ENTRIES: positiveInt(1000, 10_000_000).default(100_000),
    KNOWN_DEVICES_PER_USER: positiveInt(0, 1000).default(DEFAULT_TESSERA_OPTIONS.knownDevicesPerUser),
    // At least 32 characters of 66 (about 190 bits when random): anonymous guessing at any rate cannot find it.
    INTROSPECT_CREDENTIAL: z
      .string()
      .regex(/^[A-Za-z0-9._~+/-]{32,256}$/, 'must be 32-256 characters of A-Z a-z 0-9 . _ ~ + / - (a random string, such as: openssl rand -hex 32)')
      .optional(),
    // RFC 6749 allows any visible ASCII: a ":" is no ambiguity, as clients form-encode the id for Basic (§2.3.1).
    INTROSPECT_CLIENT_ID: z
      .string()
      .regex(/^[\x21-\x7e]{1,64}$/, 'must be 1-64 visible ASCII characters (no spaces), such as rs:orders')
      .default('resource-server'),
  })
  .refine((env) => !env.ADMIN_USERNAME || !env.ADMIN_PASSWORD || !passwordProblem(env.ADMIN_PASSWORD, env.ADMIN_USERNAME), {
    message: 'is on a list of breached passwords or contains the username or service name: choose another',
    path: ['ADMIN_PASSWORD'],
  })
  .refine((env) => env.HEADERS_TIMEOUT <= env.REQUEST_TIMEOUT, {
    message: 'must not be longer than REQUEST_TIMEOUT, which includes the headers',
    path: ['HEADERS_TIMEOUT'],
  })
  .refine((env) => Boolean(env.ADMIN_USERNAME) === Boolean(env.ADMIN_PASSWORD), {
    message: 'set ADMIN_USERNAME and ADMIN_PASSWORD together',
    path: ['ADMIN_PASSWORD'],
  })
  .refine((env) => REDIS_TARGETS.filter((name) => env[name]).length <= 1, {
    message: 'set one of REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (or none, for the embedded Redis)',
    path: ['REDIS_URL'],
  })
  .refine((env) => Boolean(env.REDIS_SENTINELS) === Boolean(env.REDIS_SENTINEL_MASTER), {
    message: 'set REDIS_SENTINELS and REDIS_SENTINEL_MASTER together',
    path: ['REDIS_SENTINEL_MASTER'],
  })
  .refine((env) => !env.REDIS_SENTINEL_PASSWORD || env.REDIS_SENTINELS, {
    message: 'is only used with REDIS_SENTINELS',
    path: ['REDIS_SENTINEL_PASSWORD'],
  })
  .refine((env) => !env.REDIS_PASSWORD || env.REDIS_SENTINELS || env.REDIS_CLUSTER_NODES, {
    message: 'is for REDIS_SENTINELS or REDIS_CLUSTER_NODES; with REDIS_URL put it in the URL',
    path: ['REDIS_PASSWORD'],
  })
  .refine((env) => env.METRICS_PORT === undefined || env.METRICS_PORT === 0 || env.METRICS_PORT !== env.PORT, {
    message: 'must differ from PORT: the metrics have a listener of their own',
    path: ['METRICS_PORT'],
  })
  .refine((env) => env.COOKIE_SECURE || LOOPBACK_HOSTS.has(env.HOST), {
    message: 'may be off only for plain-http localhost: set HOST to 127.0.0.1, ::1 or localhost, or serve over https',
    path: ['COOKIE_SECURE'],
  })
  .refine((env) => env.LOGIN_LOCKOUT <= env.LOGIN_LOCKOUT_MAX, {
    message: 'must not be longer than LOGIN_LOCKOUT_MAX',
    path: ['LOGIN_LOCKOUT'],
  })
  .refine(
    (env) =>
      (env.SESSION_IDLE_TIMEOUT ?? DEFAULT_TESSERA_OPTIONS.idleTimeoutSeconds) <=
      (env.SESSION_ABSOLUTE_TIMEOUT ?? DEFAULT_TESSERA_OPTIONS.absoluteLifetimeSeconds),
    {
      message: 'must not be longer than SESSION_ABSOLUTE_TIMEOUT',
      path: ['SESSION_IDLE_TIMEOUT'],
    },
  )
  .refine(
    (env) =>
      env.SESSION_SLIDE_GRANULARITY === undefined ||
      env.SESSION_SLIDE_GRANULARITY < (env.SESSION_IDLE_TIMEOUT ?? DEFAULT_TESSERA_OPTIONS.idleTimeoutSeconds) * 1000,
    {
      message: 'must be shorter than SESSION_IDLE_TIMEOUT',
      path: ['SESSION_SLIDE_GRANULARITY'],
    },
  )
  .superRefine((env, ctx) => {
    const ceiling = {
      idleTimeoutSeconds: env.SESSION_IDLE_TIMEOUT ?? DEFAULT_TESSERA_OPTIONS.idleTimeoutSeconds,
      absoluteLifetimeSeconds: env.SESSION_ABSOLUTE_TIMEOUT ?? DEFAULT_TESSERA_OPTIONS.absoluteLifetimeSeconds,
    };
    for (const problem of lifetimesOverCeiling(env.SESSION_LIFETIMES, ceiling)) ctx.addIssue({ code: 'custom', message: problem, path: ['SESSION_LIFETIMES'] });
  })
  .refine(
    (env) =>
      (env.REFRESH_IDLE_TIMEOUT ?? DEFAULT_TESSERA_OPTIONS.refreshIdleTimeoutSeconds) <=
      (env.REFRESH_ABSOLUTE_TIMEOUT ?? DEFAULT_TESSERA_OPTIONS.refreshAbsoluteLifetimeSeconds),
    {
      message: 'must not be longer than REFRESH_ABSOLUTE_TIMEOUT',
      path: ['REFRESH_IDLE_TIMEOUT'],
    },
  );

export type Config = z.infer<typeof envSchema>;

/** Rules longer than the global lifetimes, named as the environment spells them. */
function lifetimesOverCeiling(rules: LifetimeRules | undefined, ceiling: { idleTimeoutSeconds: number; absoluteLifetimeSeconds: number }): string[] {
  if (!rules) return [];
  const named: [string, Lifetime | undefined][] = [
    ['remembered', rules.remembered],
    ['unremembered', rules.unremembered],
    ...Object.entries(rules.deviceTypes ?? {}).map(([type, rule]): [string, Lifetime] => [`device:${type}`, rule]),
    ...Object.entries(rules.roles ?? {}).map(([role, rule]): [string, Lifetime] => [role === 'admin' ? 'admin' : `role:${role}`, rule]),
  ];
  const problems: string[] = [];
  for (const [kind, rule] of named) {
    if (rule?.idleTimeoutSeconds !== undefined && rule.idleTimeoutSeconds > ceiling.idleTimeoutSeconds) {
      problems.push(`${kind}: its idle timeout must not be longer than SESSION_IDLE_TIMEOUT (${ceiling.idleTimeoutSeconds}s), the ceiling of every kind`);
    }
    if (rule?.absoluteLifetimeSeconds !== undefined && rule.absoluteLifetimeSeconds > ceiling.absoluteLifetimeSeconds) {
      problems.push(
        `${kind}: its absolute lifetime must not be longer than SESSION_ABSOLUTE_TIMEOUT (${ceiling.absoluteLifetimeSeconds}s), the ceiling of every kind`,
      );
    }
    if (rule?.idleTimeoutSeconds !== undefined && rule.absoluteLifetimeSeconds !== undefined && rule.idleTimeoutSeconds > rule.absoluteLifetimeSeconds) {
      problems.push(`${kind}: its idle timeout must not be longer than its absolute lifetime`);
    }
  }
  return problems;
}

/** Replicas a security write must reach: as configured, else 1 with Sentinel and 0 otherwise. */
export function durableReplicasOf(config: Config): number {
  return config.DURABLE_REPLICAS ?? (config.REDIS_SENTINELS ? 1 : 0);
}

/** Processes `npm start` serves with: as configured, else one per core. */
export function workersOf(config: Config): number {
  return config.WORKERS ?? availableParallelism();
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration; empty variables count as unset. Throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(fieldProblems(result.error.issues).map((problem) => `${problem.field}: ${problem.message}`));
  }
  return result.data;
}
