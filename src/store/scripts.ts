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
  revoke: 2,
  revokeAll: 3,
  list: 1,
  setAttribute: 1,
  claimTag: 1,
  removeAdmin: 1,
  spendFormToken: 1,
  releaseFormToken: 1,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
type Arg = string | number | Buffer;
type ScriptCommand = (...keysThenArgs: Arg[]) => Result<unknown, { type: 'default' }>;
export type ScriptClient = { [name in `tessera_${ScriptName}`]: ScriptCommand };
export type RedisClient = Redis | Cluster;

const registered = new WeakSet<RedisClient>();

/** Defines every script on the client, once however many stores share it. */
export function registerScripts(redis: RedisClient): ScriptClient {
  if (registered.has(redis)) return redis as unknown as ScriptClient;
  registered.add(redis);
  const prelude = readFileSync(path.join(LUA_DIR, 'prelude.lua'), 'utf8');
  for (const [name, numberOfKeys] of Object.entries(SCRIPTS)) {
    const body = readFileSync(path.join(LUA_DIR, `${name}.lua`), 'utf8');
    redis.defineCommand(`tessera_${name}`, { numberOfKeys, lua: `${prelude}\n${body}` });
  }
  return redis as unknown as ScriptClient;
}
