/**
 * Real Redis replication for the durability tests: a master with a replica, three
 * redis-sentinel processes watching them, and the probes the tests use to see who is master and
 * to cut a replica off so that it misses writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { waitForPong } from '../../src/server/redisProbe';
import { freePort, startRedis, type RedisProcess } from './redisServer';

/** A short-lived client for one node that never retries, for probing and poking servers directly. */
export async function withNode<T>(port: number, use: (node: Redis) => Promise<T>): Promise<T> {
  const node = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true, connectTimeout: 1000 });
  node.on('error', () => undefined);
  try {
    await node.connect();
    return await use(node);
  } finally {
    node.disconnect();
  }
}

/** 'master', 'slave', or 'down' when the node does not answer. */
export async function roleOf(port: number): Promise<string> {
  return withNode(port, async (node) => String(((await node.call('ROLE')) as unknown[])[0])).catch(() => 'down');
}

/** Waits until the master at `port` has `count` replicas online that have every write it had when asked. */
export async function waitForReplicas(port: number, count: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let target: number | null = null;
  for (;;) {
    const state = await replicationOf(port).catch(() => null);
    // The mark is set once: sentinels' and the master's own pings keep moving the offset on.
    if (state?.isMaster) target ??= state.offset;
    if (state?.isMaster && target !== null && state.replicaOffsets.filter((offset) => offset >= target!).length >= count) return;
    if (Date.now() > deadline) throw new Error(`the master on ${port} did not get ${count} replicas in sync within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function replicationOf(port: number): Promise<{ isMaster: boolean; offset: number; replicaOffsets: number[] }> {
  const info = await withNode(port, (node) => node.info('replication'));
  return {
    isMaster: /^role:master/m.test(info),
    offset: Number(/^master_repl_offset:(\d+)/m.exec(info)?.[1] ?? 0),
    replicaOffsets: [...info.matchAll(/^slave\d+:.*state=online,offset=(\d+)/gm)].map((replica) => Number(replica[1])),
  };
}

export interface MasterWithReplica {
  master: RedisProcess;
  replica: RedisProcess;
  destroy(): Promise<void>;
}

/** A master and one replica of it, both started with `args`, once the replica is in sync. */
export async function startMasterWithReplica(args: string[] = []): Promise<MasterWithReplica> {
  const master = await startRedis(args);
  const replica = await startRedis([...args, '--replicaof', '127.0.0.1', String(master.port)]).catch(async (error: unknown) => {
    await master.destroy();
    throw error;
  });
  const destroy = async () => {
    await Promise.all([master.destroy(), replica.destroy()]);
  };
  await waitForReplicas(master.port, 1).catch(async (error: unknown) => {
    await destroy();
    throw error;
  });
  return { master, replica, destroy };
}

/**
 * Cuts `replica` off its master so it misses every write from now on: the replica is frozen
 * (SIGSTOP) so it cannot reconnect, and the master drops its link, discarding whatever it had not
 * sent yet. `resume` wakes the replica (SIGCONT).
 */
export async function cutOffReplica(master: RedisProcess, replica: RedisProcess): Promise<{ resume(): void }> {
  replica.signal('SIGSTOP');
  await withNode(master.port, (node) => node.call('CLIENT', 'KILL', 'TYPE', 'replica'));
  return { resume: () => replica.signal('SIGCONT') };
}

export interface SentinelSetup {
  masterName: string;
  /** The two data nodes; which is master changes with fail-overs. */
  servers: RedisProcess[];
  sentinels: { host: string; port: number }[];
  /** The data node that is master now, as the sentinels see it, once it acts as one. */
  master(): Promise<RedisProcess>;
  /** What each node and sentinel says now, for the message of a test that waited in vain. */
  describe(): Promise<string>;
  destroy(): Promise<void>;
}

const MASTER_NAME = 'tessera';

/** A master, its replica and three sentinels (quorum 2) with short timeouts, so a fail-over takes seconds. */
export async function startSentinelSetup(): Promise<SentinelSetup> {
  const { master, replica } = await startMasterWithReplica(['--appendonly', 'no']);
  const sentinels = await Promise.all(Array.from({ length: 3 }, () => startSentinel(master.port)));
  // A fail-over needs the sentinels to know each other (they meet through the master) and the replica.
  await waitUntil(async () => {
    const views = await Promise.all(sentinels.map((s) => withNode(s.port, (node) => node.call('SENTINEL', 'MASTER', MASTER_NAME)).catch(() => [])));
    return views.every((view) => {
      const fields = toRecord(view as string[]);
      return fields['num-other-sentinels'] === '2' && fields['num-slaves'] === '1';
    });
  }, 30_000);
  const servers = [master, replica];
  return {
    masterName: MASTER_NAME,
    servers,
    sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
    async master() {
      // The sentinels' word, checked against the node: a restarted old master calls itself master until they convert it.
      for (;;) {
        const address = await withNode(sentinels[0].port, (node) => node.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)).catch(() => null);
        const server = servers.find((s) => address && s.port === Number((address as string[])[1]));
        if (server && (await roleOf(server.port)) === 'master') return server;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async describe() {
      const roles = await Promise.all(servers.map(async (server) => `${server.port}: ${await roleOf(server.port)}`));
      const views = await Promise.all(
        sentinels.map((sentinel) =>
          withNode(sentinel.port, async (node) => {
            const fields = toRecord((await node.call('SENTINEL', 'MASTER', MASTER_NAME)) as string[]);
            const tilt = /^sentinel_tilt:(\d)/m.exec(await node.info('sentinel'))?.[1];
            return `sentinel ${sentinel.port}: master ${fields.port} ${fields.flags} ${fields['failover-state'] ?? ''} tilt ${tilt}`;
          }).catch((error: Error) => `sentinel ${sentinel.port}: ${error.message}`),
        ),
      );
      return [...roles, ...views].join('; ');
    },
    async destroy() {
      await Promise.all([...sentinels.map((s) => s.destroy()), ...servers.map((s) => s.destroy())]);
    },
  };
}

async function startSentinel(masterPort: number): Promise<{ port: number; destroy(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-sentinel-'));
  const config = path.join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file as it learns, so each one gets its own.
  writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
      `sentinel failover-timeout ${MASTER_NAME} 6000`,
      `sentinel parallel-syncs ${MASTER_NAME} 1`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('redis-sentinel', [config], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPong({ port }, 10_000);
  return {
    port,
    async destroy() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function toRecord(pairs: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) record[pairs[i]] = pairs[i + 1];
  return record;
}
