/**
 * A busy token's checks write nothing within the slide granularity. Measured the way a replica
 * sees it: a real master with a real replica, and the master's replication offset (every byte it
 * streams to replicas, which is also what its AOF appends).
 */
import { Redis } from 'ioredis';
import { SessionService } from '../../src/sessions/sessionService';
import type { TesseraOptions } from '../../src/options';
import type { RedisProcess } from '../support/redisServer';
import { startMasterWithReplica, type MasterWithReplica } from '../support/replication';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('coalesced slides', () => {
  let servers: MasterWithReplica;
  let master: RedisProcess;
  let redis: Redis;

  beforeAll(async () => {
    // No periodic PING into the stream: the offset moves only for the writes under test.
    servers = await startMasterWithReplica(['--repl-ping-replica-period', '3600']);
    master = servers.master;
    redis = new Redis({ port: master.port, maxRetriesPerRequest: 1 });
  }, 60_000);
  afterAll(async () => {
    redis.disconnect();
    await servers.destroy();
  });

  const replicationOffset = async () => Number(/^master_repl_offset:(\d+)/m.exec(await redis.info('replication'))![1]);
  const service = (options: TesseraOptions) => new SessionService(redis, { keyPrefix: `slides${Math.random().toString(36).slice(2, 8)}`, ...options });

  it('writes nothing to the replication stream for a token checked again and again within the granularity', async () => {
    const sessions = service({ slideGranularityMs: 60_000 });
    const { token, session } = await sessions.create('busy-user');
    const before = await replicationOffset();
    for (let i = 0; i < 20; i += 1) {
      const validation = await sessions.validate(token);
      expect(validation?.session.expiresAt).toEqual(session.expiresAt);
      expect(validation?.session.lastSeenAt).toEqual(session.lastSeenAt);
    }
    expect(await replicationOffset()).toBe(before);
  });

  it('slides, and so writes, on every check when the granularity is 0', async () => {
    const sessions = service({ slideGranularityMs: 0 });
    const { token } = await sessions.create('eager-user');
    let offset = await replicationOffset();
    for (let i = 0; i < 3; i += 1) {
      expect(await sessions.validate(token)).not.toBeNull();
      const next = await replicationOffset();
      expect(next).toBeGreaterThan(offset);
      offset = next;
    }
  });

  // Real time is the behaviour under test: the slide comes back once the granularity has passed.
  it('slides again once the granularity has passed since the last slide', async () => {
    const sessions = service({ slideGranularityMs: 300 });
    const { token, session } = await sessions.create('returning-user');
    await sleep(400);
    const before = await replicationOffset();
    const validation = await sessions.validate(token);
    expect(await replicationOffset()).toBeGreaterThan(before);
    expect(validation!.session.lastSeenAt.getTime()).toBeGreaterThanOrEqual(session.lastSeenAt.getTime() + 300);
    expect(validation!.session.expiresAt.getTime()).toBeGreaterThanOrEqual(session.expiresAt.getTime() + 300);
  });
});
