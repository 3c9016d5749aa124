/**
 * What a token check costs replicas and the AOF: one token checked back to back on a master with
 * one replica and the repo's redis.conf (AOF on). Counted, not timed: the master's replication
 * offset (bytes streamed to every replica), its AOF size, and the write commands the replica ran
 * (INFO commandstats there: only what the master propagated reaches it). Measured with Tessera's
 * default slide granularity and with 0, which slides on every check as Tessera did before.
 */
import { Redis, type Cluster } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTessera, type TesseraOptions } from '../src';
import { startRedis } from '../test/support/redisServer';
import { waitForReplicas } from '../test/support/replication';
import { connectRedis } from './servers/connectRedis';
import { onTeardown } from './teardown';

export interface ReplicationRow {
  scenario: string;
  checks: number;
  /** Checks per second the single client reached: how "busy" the token was. */
  checksPerSecond: number;
  replicationBytesPerCheck: number;
  aofBytesPerCheck: number;
  /** Commands the replica ran per check, leaving out the MULTI/EXEC that wraps a script's writes. */
  writesPerCheck: number;
}

const SCENARIOS: { scenario: string; options: TesseraOptions }[] = [
  { scenario: 'one busy token, default slide granularity (1 s)', options: {} },
  { scenario: 'one busy token, slideGranularityMs 0 (slides on every check)', options: { slideGranularityMs: 0 } },
];

const NOT_WRITES = new Set(['multi', 'exec', 'ping', 'select', 'info', 'replconf', 'psync', 'command']);

export async function measureReplicationWrites(checks: number): Promise<ReplicationRow[]> {
  // No periodic PING from the master: the offset then moves only for the checks' writes.
  const master = await startRedis(['--repl-ping-replica-period', '3600']);
  const stopMaster = onTeardown(() => master.destroy());
  const replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port), '--appendonly', 'no']);
  const stopReplica = onTeardown(() => replica.destroy());
  const client = await connectRedis({ kind: 'standalone', url: `redis://127.0.0.1:${master.port}` });
  const replicaClient = new Redis({ port: replica.port, host: '127.0.0.1' });
  try {
    await waitForReplicas(master.port, 1);
    const rows: ReplicationRow[] = [];
    for (const { scenario, options } of SCENARIOS) {
      const tessera = createTessera(client, { keyPrefix: `writes${rows.length}`, ...options });
      const { token } = await tessera.create('busy-user', { device: { type: 'web' } });
      const before = await snapshot(client, replicaClient);
      const started = performance.now();
      for (let i = 0; i < checks; i++) {
        if (!(await tessera.validate(token))) throw new Error(`${scenario}: the token stopped validating`);
      }
      const seconds = (performance.now() - started) / 1000;
      await waitForReplicas(master.port, 1);
      // The AOF size is updated when Redis writes its buffer out, just before it next sleeps.
      await sleep(100);
      const after = await snapshot(client, replicaClient);
      rows.push({
        scenario,
        checks,
        checksPerSecond: checks / seconds,
        replicationBytesPerCheck: (after.offset - before.offset) / checks,
        aofBytesPerCheck: (after.aofBytes - before.aofBytes) / checks,
        writesPerCheck: (after.replicaWrites - before.replicaWrites) / checks,
      });
    }
    return rows;
  } finally {
    client.disconnect();
    replicaClient.disconnect();
    await stopReplica();
    await stopMaster();
  }
}

async function snapshot(master: Redis | Cluster, replica: Redis): Promise<{ offset: number; aofBytes: number; replicaWrites: number }> {
  const field = (info: string, name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  let replicaWrites = 0;
  for (const match of (await replica.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (!NOT_WRITES.has(match[1])) replicaWrites += Number(match[2]);
  }
  return {
    offset: field(await master.info('replication'), 'master_repl_offset'),
    aofBytes: field(await master.info('persistence'), 'aof_current_size'),
    replicaWrites,
  };
}
