/**
 * The bench's own redis-servers, on free loopback ports with the repo's redis.conf, started by
 * the test suite's helpers and pinned to the load cores. Persistence is off everywhere: the
 * Cluster helper always runs without an AOF, so the standalone server does too, and the rows
 * then compare the same Redis work (an fsync a second on a shared disk only adds noise).
 */
import { Redis } from 'ioredis';
import type { RedisTarget } from '../src';
import { startRedis, startRedisCluster } from '../test/support/redisServer';
import { pinProcess } from './cpus';
import { onTeardown } from './teardown';

export interface BenchRedis {
  target: RedisTarget;
  /** Port of every node: one for standalone, one per master for a Cluster. */
  ports: number[];
  /** Process id of every node, in the order of ports. */
  pids: number[];
  stop(): Promise<void>;
}

const NO_PERSISTENCE = ['--appendonly', 'no'];

/** `defaults`: Redis's own configuration rather than the repo's redis.conf (what a managed Redis runs). */
export async function startStandalone(cpus: string, { defaults = false }: { defaults?: boolean } = {}): Promise<BenchRedis> {
  const server = await startRedis(NO_PERSISTENCE, { defaults });
  const stop = onTeardown(() => server.destroy());
  const pids = await pinNodes([server.port], cpus);
  return { target: { kind: 'standalone', url: `redis://127.0.0.1:${server.port}` }, ports: [server.port], pids, stop };
}

export async function startCluster(cpus: string): Promise<BenchRedis> {
  const cluster = await startRedisCluster(3);
  const stop = onTeardown(() => cluster.destroy());
  const ports = cluster.nodes.map((node) => node.port);
  const pids = await pinNodes(ports, cpus);
  return { target: { kind: 'cluster', nodes: cluster.nodes }, ports, pids, stop };
}

/** The test helpers do not expose the pid, but Redis reports its own (INFO server process_id); answers the pids. */
async function pinNodes(ports: number[], cpus: string): Promise<number[]> {
  const pids: number[] = [];
  for (const port of ports) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
    try {
      await client.connect();
      const pid = Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
      pinProcess(pid, cpus);
      pids.push(pid);
    } finally {
      client.disconnect();
    }
  }
  return pids;
}
