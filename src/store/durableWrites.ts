/**
 * Security writes (logout, revoke, revoke-all, password change, ban, unban, role change) that
 * answer only once Redis confirms them: `WAIT` until `replicas` replicas have the write and, where
 * Redis offers `WAITAOF` (7.2+) and runs with AOF, until the master has it on disk. Redis
 * replicates asynchronously, so without this a master that dies right after a logout can hand
 * its slots to a replica that never saw it, and the logged-out token works again.
 *
 * WAIT blocks the connection it runs on, so confirmed writes travel over a connection of their
 * own and the token check never queues behind one. The write and its WAIT go in one pipeline on
 * that connection, which on a Cluster is the master of the key's slot; WAIT only counts writes of
 * its own connection. The write is sent as EVAL, not EVALSHA: ioredis resends a NOSCRIPT miss
 * outside the pipeline, after the WAIT, which would then confirm nothing.
 */
import { EventEmitter } from 'node:events';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { UnconfirmedWriteError } from '../errors';
import { guard } from './guard';
import { waitUntilReady } from './redisClient';
import { registerScripts, scriptSource, type RedisClient, type ScriptName } from './scripts';

type Arg = string | number | Buffer;

const CONNECT_GRACE_MS = 1000;

/** WAITAOF's refusal on a master running without AOF. */
const AOF_DISABLED = /appendonly is disabled/i;

export interface DurabilityOptions {
  /** Replicas that must have a security write before it is answered. */
  replicas: number;
  /** How long to wait for them (and for the fsync). Milliseconds. */
  timeoutMs: number;
}

/** A write by script (KEYS then ARGV) or by a plain command, all keys in one hash slot. */
export type DurableWrite = { script: ScriptName; keys: string[]; args: Arg[] } | { command: 'hset'; args: Arg[] };

/** What the connected Redis can confirm, found out once. */
export interface DurabilityPlan {
  /** Every master offers WAITAOF and has AOF on: wait for the local fsync too. */
  waitAof: boolean;
  /** The fewest replicas any master has connected (to warn when they exist but nothing waits for them). */
  connectedReplicas: number;
}

export type DurableOutcome = 'confirmed' | 'unconfirmed';

export class DurableWrites extends EventEmitter<{ outcome: [DurableOutcome] }> {
  private plan: Promise<DurabilityPlan> | null = null;
  private connection: RedisClient | null = null;

  constructor(
    private readonly redis: RedisClient,
    readonly options: Readonly<DurabilityOptions>,
  ) {
    super();
  }

  /** Runs the write and answers its reply once confirmed; UnconfirmedWriteError (503) when Redis did not confirm in time. */
  async write(write: DurableWrite): Promise<unknown> {
    const plan = await this.detect();
    if (!plan.waitAof && this.options.replicas === 0) return guard(() => this.direct(write));
    const connection = this.confirmingConnection();
    // A connection opened just now (or reconnecting) gets a moment, like a fail-fast command does.
    if (connection.status !== 'ready') await guard(() => waitUntilReady(connection, CONNECT_GRACE_MS));
    const pipeline = connection.pipeline();
    if ('script' in write) pipeline.eval(scriptSource(write.script), write.keys.length, ...write.keys, ...write.args);
    else pipeline.call(write.command, ...write.args);
    if (plan.waitAof) pipeline.call('WAITAOF', 1, 0, this.options.timeoutMs);
    if (this.options.replicas > 0) pipeline.call('WAIT', this.options.replicas, this.options.timeoutMs);
    return this.confirm(connection, plan, await guard(() => exec(pipeline)));
  }

  /**
   * A script whose reply says whether it wrote (`wrote`), such as spending a refresh token, which
   * anyone can call with a made-up token: it runs as a plain script call on the confirming
   * connection, and only a reply that wrote is then waited for, so a call that changed nothing
   * never holds that connection for a WAIT nor answers 503 while a replica lags.
   */
  async writeIfChanged(write: { script: ScriptName; keys: string[]; args: Arg[] }, wrote: (reply: unknown) => boolean): Promise<unknown> {
    const plan = await this.detect();
    if (!plan.waitAof && this.options.replicas === 0) return guard(() => this.direct(write));
    const connection = this.confirmingConnection();
    if (connection.status !== 'ready') await guard(() => waitUntilReady(connection, CONNECT_GRACE_MS));
    const reply = await guard(() => registerScripts(connection)[`tessera_${write.script}`](...write.keys, ...write.args));
    if (!wrote(reply)) return reply;
    const pipeline = connection.pipeline();
    // A read of the written slot routes the waits, on a Cluster, to the node that ran the script.
    pipeline.exists(write.keys[0]);
    if (plan.waitAof) pipeline.call('WAITAOF', 1, 0, this.options.timeoutMs);
    if (this.options.replicas > 0) pipeline.call('WAIT', this.options.replicas, this.options.timeoutMs);
    await this.confirm(connection, plan, await guard(() => exec(pipeline)));
    return reply;
  }

  /** The first reply of a write-then-wait pipeline, once the waits confirm it; UnconfirmedWriteError otherwise. */
  private async confirm(connection: RedisClient, plan: DurabilityPlan, replies: [Error | null, unknown][]): Promise<unknown> {
    const [[writeError, reply], ...confirmations] = replies;
    if (writeError) {
      // This connection's slot map is stale after a fail-over; ioredis does not retry a pipelined command.
      if (isCluster(connection) && /^(MOVED|ASK) /.test(writeError.message)) connection.refreshSlotsCache();
      await guard(() => Promise.reject(writeError));
    }
    for (const [error] of confirmations) {
      if (!error) continue;
      // A fail-over to a master without AOF: WAITAOF is refused. Look again before the next write.
      if (AOF_DISABLED.test(error.message)) {
        this.plan = null;
        this.emit('outcome', 'unconfirmed');
        throw new UnconfirmedWriteError('the Redis master no longer writes to disk');
      }
      await guard(() => Promise.reject(error));
    }
    const shortfall = this.shortfall(
      plan,
      confirmations.map(([, value]) => value),
    );
    this.emit('outcome', shortfall ? 'unconfirmed' : 'confirmed');
    if (shortfall) throw new UnconfirmedWriteError(shortfall);
    return reply;
  }

  /** Finds out whether WAITAOF can be used; a failed look, or a master that turned AOF off, is looked at again on the next write. */
  detect(): Promise<DurabilityPlan> {
    this.plan ??= guard(() => detectPlan(this.redis)).catch((error: unknown) => {
      this.plan = null;
      throw error;
    });
    return this.plan;
  }

  /** Closes the confirming connection, if one was opened (the shared client is its owner's). */
  close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    // Not QUIT: during an outage it would wait; nothing is in flight once the service has stopped.
    connection?.disconnect();
    return Promise.resolve();
  }

  private direct(write: DurableWrite): Promise<unknown> {
    if ('command' in write) return this.redis.call(write.command, ...write.args);
    return registerScripts(this.redis)[`tessera_${write.script}`](...write.keys, ...write.args);
  }

  private shortfall(plan: DurabilityPlan, values: unknown[]): string | null {
    const replies = [...values];
    if (plan.waitAof) {
      // WAITAOF answers {local, replicas}: the local fsync is what counts here.
      const local = (replies.shift() as unknown[])[0];
      if (Number(local) < 1) return 'not yet written to disk';
    }
    if (this.options.replicas > 0) {
      const acknowledged = Number(replies.shift());
      if (acknowledged < this.options.replicas) return `${acknowledged} of ${this.options.replicas} replicas acknowledged it`;
    }
    return null;
  }

  /** A second connection like the shared one, with room for the waits in its command timeout. */
  private confirmingConnection(): RedisClient {
    if (this.connection) return this.connection;
    const waits = this.options.timeoutMs * 2;
    const connection = isCluster(this.redis)
      ? this.redis.duplicate(undefined, {
          redisOptions: { ...this.redis.options.redisOptions, commandTimeout: commandTimeoutOf(this.redis.options.redisOptions?.commandTimeout, waits) },
        })
      : this.redis.duplicate({ commandTimeout: commandTimeoutOf(this.redis.options.commandTimeout, waits) });
    // Faults surface on each write as a 503; the shared client already reports the connection's state.
    connection.on('error', () => undefined);
    this.connection = connection;
    return connection;
  }
}

function commandTimeoutOf(base: number | undefined, waitsMs: number): number | undefined {
  return base === undefined ? undefined : base + waitsMs;
}

function isCluster(redis: RedisClient): redis is Cluster {
  return 'refreshSlotsCache' in redis;
}

/** A pipeline's replies; a pipeline that could not be sent at all rejects. */
async function exec(pipeline: ChainableCommander): Promise<[Error | null, unknown][]> {
  const replies = await pipeline.exec();
  if (!replies) throw new Error('the pipeline was discarded');
  return replies;
}

async function detectPlan(redis: RedisClient): Promise<DurabilityPlan> {
  const masters: Redis[] = isCluster(redis) ? redis.nodes('master') : [redis];
  if (masters.length === 0) throw new Error('no Redis master is known yet');
  const found = await Promise.all(
    masters.map(async (master) => {
      const [command, persistence, replication] = await Promise.all([
        master.call('COMMAND', 'INFO', 'WAITAOF') as Promise<unknown[]>,
        master.info('persistence'),
        master.info('replication'),
      ]);
      return {
        waitAof: command[0] !== null && infoField(persistence, 'aof_enabled') === '1',
        connectedReplicas: Number(infoField(replication, 'connected_slaves') ?? 0),
      };
    }),
  );
  return {
    waitAof: found.every((master) => master.waitAof),
    connectedReplicas: Math.min(...found.map((master) => master.connectedReplicas)),
  };
}

function infoField(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}
