/**
 * The Redis backends every store-level suite runs against: the shared standalone server and the
 * shared 3-master Cluster. Each client gets the fail-fast options the service uses.
 */
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { createRedisClient, waitUntilReady } from '../../src/store/redisClient';

export interface Backend {
  name: 'standalone' | 'cluster';
  connect(): Promise<Redis | Cluster>;
}

export const BACKENDS: Backend[] = [
  {
    name: 'standalone',
    connect: () => ready(createRedisClient({ kind: 'standalone', url: `redis://127.0.0.1:${requireEnv('TESSERA_TEST_REDIS_PORT')}` })),
  },
  {
    name: 'cluster',
    connect: () =>
      ready(
        createRedisClient({
          kind: 'cluster',
          nodes: requireEnv('TESSERA_TEST_CLUSTER_NODES')
            .split(',')
            .map((node) => ({ host: node.split(':')[0], port: Number(node.split(':')[1]) })),
        }),
      ),
  },
];

async function ready(client: Redis | Cluster): Promise<Redis | Cluster> {
  client.on('error', () => undefined);
  await waitUntilReady(client, 10_000);
  return client;
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is unset: run the tests through jest (its global setup starts Redis).`);
  return value;
}

/** A key prefix no other test uses, so tests share servers without sharing data. */
export function uniquePrefix(): string {
  return `t${randomBytes(6).toString('hex')}`;
}
