/**
 * The Redis backends every store-level suite runs against: the shared standalone server and the
 * shared 3-master Cluster. Each client gets the fail-fast options the service uses.
 */
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { createRedisClient, waitUntilReady, type RedisTarget } from '../../src/store/redisClient';

/** The suite's shared servers: never Sentinel (its own tests start their own). */
type SharedTarget = Exclude<RedisTarget, { kind: 'sentinel' }>;

export interface Backend {
  name: 'standalone' | 'cluster';
  target(): SharedTarget;
  /** A ready client with the service's fail-fast options (plus any overrides). */
  connect(overrides?: RedisOptions): Promise<Redis | Cluster>;
}

function backend(name: Backend['name'], target: () => SharedTarget): Backend {
  return {
    name,
    target,
    async connect(overrides = {}) {
      const client = createRedisClient(target(), { redisOptions: overrides, logger: null });
      await waitUntilReady(client, 10_000);
      return client;
    },
  };
}

export const BACKENDS: Backend[] = [
  backend('standalone', () => ({ kind: 'standalone', url: `redis://127.0.0.1:${requireEnv('TESSERA_TEST_REDIS_PORT')}` })),
  backend('cluster', () => ({
    kind: 'cluster',
    nodes: requireEnv('TESSERA_TEST_CLUSTER_NODES')
      .split(',')
      .map((node) => ({ host: node.split(':')[0], port: Number(node.split(':')[1]) })),
  })),
];

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is unset: run the tests through jest (its global setup starts Redis).`);
  return value;
}

/** A key prefix no other test uses, so tests share servers without sharing data. */
export function uniquePrefix(): string {
  return `t${randomBytes(6).toString('hex')}`;
}
