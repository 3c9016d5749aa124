/**
 * Real redis-server processes for the tests: standalone (with the repo's redis.conf) and a
 * 3-master Redis Cluster, each on free ports in its own temp folder, stopped and removed after.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { waitForPong } from '../../src/server/redisProbe';
import { REPO_ROOT } from '../../src/paths';

const run = promisify(execFile);

export interface RedisProcess {
  port: number;
  dir: string;
  /** Stops the server (SIGTERM, or SIGKILL to simulate a crash) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and folder (AOF replays what was persisted). */
  restart(): Promise<void>;
  /** Sends a signal without waiting (SIGSTOP/SIGCONT to make it hang and wake). */
  signal(signal: NodeJS.Signals): void;
  /** Stops it for good and removes its folder. */
  destroy(): Promise<void>;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (+10000) is free too. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if ((await isFree(port)) && (await isFree(port + 10000))) return port;
  }
}

/**
 * `defaults`: Redis's own defaults instead of the repo's redis.conf (loopback only, no persistence),
 * as a managed Redis that allows no CONFIG SET would run.
 */
export async function startRedis(extraArgs: string[] = [], { defaults = false }: { defaults?: boolean } = {}): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-redis-'));
  // A copy: Sentinel's CONFIG REWRITE writes into the file a server was started with.
  const config = path.join(dir, 'redis.conf');
  if (defaults) writeFileSync(config, 'bind 127.0.0.1\nsave ""\nappendonly no\n');
  else copyFileSync(path.join(REPO_ROOT, 'redis.conf'), config);
  let child: ChildProcess;
  let exited: Promise<void>;
  const launch = async () => {
    child = spawn('redis-server', [config, '--port', String(port), '--dir', dir, ...extraArgs], {
      stdio: 'ignore',
    });
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitForPong({ port }, 10_000);
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  await launch();
  return {
    port,
    dir,
    stop,
    restart: launch,
    signal: (signal) => void child.kill(signal),
    async destroy() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisClusterProcess {
  nodes: { host: string; port: number }[];
  /** Every node, masters and replicas; which is which changes with fail-overs. */
  servers: RedisProcess[];
  destroy(): Promise<void>;
}

/** A cluster of `masters` masters, each with `replicasPerMaster` replicas (for fail-over tests). */
export async function startRedisCluster(masters = 3, replicasPerMaster = 0): Promise<RedisClusterProcess> {
  const servers = await Promise.all(
    Array.from({ length: masters * (1 + replicasPerMaster) }, () =>
      startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', '--appendonly', 'no']),
    ),
  );
  const addresses = servers.map((s) => `127.0.0.1:${s.port}`);
  await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicasPerMaster), '--cluster-yes']);
  await waitForClusterOk(servers.map((s) => s.port));
  return {
    nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    servers,
    async destroy() {
      await Promise.all(servers.map((s) => s.destroy()));
    },
  };
}

export async function waitForClusterOk(ports: number[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    const client = new Redis({ port, maxRetriesPerRequest: 0 });
    try {
      for (;;) {
        const info = await client.cluster('INFO');
        if (String(info).includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${port} not ok within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      client.disconnect();
    }
  }
}
