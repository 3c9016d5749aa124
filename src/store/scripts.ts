/**
 * Registers the Lua scripts in ./lua with ioredis `defineCommand`, which sends EVALSHA and falls
 * back to EVAL on NOSCRIPT (after a Redis restart or SCRIPT FLUSH), in pipelines too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Cluster, Redis, Result } from 'ioredis';

const LUA_DIR = path.join(__dirname, 'lua');

/** Script name -> number of KEYS it takes. */
const SCRIPTS = {
  touch: 3,
  create: 3,
  refresh: 5,
  revoke: 3,
  revokeAll: 3,
  list: 3,
  setAttribute: 1,
  claimTag: 1,
  removeAdmin: 1,
  unban: 1,
  claimIdempotencyKey: 2,
  releaseIdempotencyKey: 2,
  rememberDevice: 2,
  reauthenticate: 1,
  noteImpersonation: 1,
  takeImpersonations: 1,
  moveAddress: 1,
  banOf: 1,
  bindDevice: 2,
  renewDeviceBinding: 4,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
type Arg = string | number | Buffer;
type ScriptCommand = (...keysThenArgs: Arg[]) => Result<unknown, { type: 'default' }>;
export type ScriptClient = { [name in `tessera_${ScriptName}`]: ScriptCommand };
export type RedisClient = Redis | Cluster;

const registered = new WeakSet<RedisClient>();
const sources = new Map<ScriptName, string>();

/**
 * The scripts loaded without writers.lua. Redis builds every local function of a script's text on
 * each run, and the token check runs once per request: it takes prelude.lua alone.
 */
const WITHOUT_WRITERS: ReadonlySet<ScriptName> = new Set(['touch']);

const readLua = (file: string) => readFileSync(path.join(LUA_DIR, file), 'utf8');

/** The full text of a script, preludes included (what EVAL sends where EVALSHA cannot be used). */
export function scriptSource(name: ScriptName): string {
  let source = sources.get(name);
  if (source === undefined) {
    const parts = WITHOUT_WRITERS.has(name) ? ['prelude.lua', `${name}.lua`] : ['prelude.lua', 'writers.lua', `${name}.lua`];
    source = parts.map(readLua).join('\n');
    sources.set(name, source);
  }
  return source;
}

/** Defines every script on the client, once however many stores share it. */
export function registerScripts(redis: RedisClient): ScriptClient {
  if (registered.has(redis)) return redis as unknown as ScriptClient;
  registered.add(redis);
  for (const [name, numberOfKeys] of Object.entries(SCRIPTS)) {
    redis.defineCommand(`tessera_${name}`, { numberOfKeys, lua: scriptSource(name as ScriptName) });
  }
  return redis as unknown as ScriptClient;
}
