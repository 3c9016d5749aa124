#!/usr/bin/env node
/**
 * `tessera <command>` (or `npm run cli -- <command>`): the operator's shell tool. It connects to
 * the Redis the service's configuration names (REDIS_URL, REDIS_CLUSTER_NODES, or the running
 * embedded Redis in DATA_DIR) and prints JSON.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../logging/logger';
import { ConfigError, loadConfig } from '../config/env';
import { configuredRedis, embeddedRedisDir } from '../config/redisTarget';
import { TesseraError } from '../errors';
import { buildCore } from '../server/core';
import { createRedisClient, waitUntilReady } from '../store/redisClient';
import { COMMANDS, UsageError } from './commands';

function usage(): string {
  const lines = Object.values(COMMANDS).map((command) => `  tessera ${command.usage.padEnd(58)} ${command.summary}`);
  return `Usage:\n${lines.join('\n')}\n\nConnects to REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (with REDIS_SENTINEL_MASTER), else to the embedded Redis of a running npm start.`;
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      role: { type: 'string', multiple: true },
      admin: { type: 'boolean' },
      reason: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      'sign-in': { type: 'boolean' },
      username: { type: 'string' },
      address: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [name, ...args] = positionals;
  const command = name ? COMMANDS[name] : undefined;
  if (values.help || !command) {
    process.stderr.write(`${name && !command ? `Unknown command: ${name}\n\n` : ''}${usage()}\n`);
    return values.help ? 0 : 2;
  }

  const config = loadConfig();
  let target = configuredRedis(config);
  if (!target) {
    const socket = path.join(embeddedRedisDir(config), 'redis.sock');
    if (!existsSync(socket)) throw new Error('No Redis to talk to: start the service (npm start), or set REDIS_URL or REDIS_CLUSTER_NODES.');
    target = { kind: 'standalone', path: socket };
  }
  const redis = createRedisClient(target, { logger: null });
  const core = buildCore(config, redis, createLogger('silent'));
  try {
    await waitUntilReady(redis, 5000);
    const actor = { id: 'cli', name: `cli:${os.userInfo().username}` };
    const result = await command.run(core, actor, { args, options: values });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\nUsage: tessera ${command.usage}\n`);
      return 2;
    }
    throw error;
  } finally {
    await core.close();
    redis.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof ConfigError || error instanceof TesseraError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  },
);
