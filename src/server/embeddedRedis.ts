/**
 * The default Redis of `npm start` when none is configured: a private redis-server child with the
 * repo's redis.conf, listening only on a unix socket in a git-ignored data folder (so it never
 * clashes with a system Redis on 6379), stopped when the service stops.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../paths';
import { lockDataDir } from './dataDirLock';
import { waitForPong } from './redisProbe';

export class RedisServerMissingError extends Error {
  constructor() {
    super(
      'No redis-server on PATH. Install it (Debian/Ubuntu: sudo apt-get install redis-server, or run npm run setup), ' +
        'or point Tessera at a running Redis with REDIS_URL or REDIS_CLUSTER_NODES.',
    );
  }
}

export interface EmbeddedRedis {
  socketPath: string;
  stop(): Promise<void>;
}

function findOnPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

export async function startEmbeddedRedis(dataDir: string): Promise<EmbeddedRedis> {
  const binary = findOnPath('redis-server');
  if (!binary) throw new RedisServerMissingError();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const socketPath = path.join(dataDir, 'redis.sock');
  const lock = await lockDataDir(dataDir, socketPath);
  const child = spawn(binary, [path.join(REPO_ROOT, 'redis.conf'), '--port', '0', '--unixsocket', socketPath, '--unixsocketperm', '700', '--dir', dataDir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPong({ path: socketPath }, 10_000, () =>
      child.exitCode === null ? null : `redis-server exited with code ${child.exitCode}; see its output above.`,
    );
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    lock.release();
    throw error;
  }
  return {
    socketPath,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      lock.release();
    },
  };
}
