import { Redis, type RedisOptions } from 'ioredis';
import { createClient } from 'redis';
import { createRedisClient, createTessera, TesseraArgumentError, type RedisClientLike } from '../../src';

/** Warnings Tessera emits while `action` runs. */
function tesseraWarnings(action: () => void): string[] {
  const emit = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  try {
    action();
    return emit.mock.calls
      .filter(([, options]) => typeof options === 'object' && options.type === 'TesseraWarning')
      .map(([message, options]) => `${(options as { code?: string }).code}: ${String(message)}`);
  } finally {
    emit.mockRestore();
  }
}

describe('createTessera', () => {
  // Clients that never connect: these checks look at the client, not at Redis.
  const idle: Redis[] = [];
  const lazyRedis = (options: RedisOptions = {}) => {
    const client = new Redis({ lazyConnect: true, ...options });
    idle.push(client);
    return client;
  };
  afterAll(() => {
    for (const client of idle) client.disconnect();
  });

  it('refuses a missing client, naming what it needs', () => {
    expect(() => createTessera(undefined as unknown as RedisClientLike)).toThrow(
      new TesseraArgumentError('Tessera needs an ioredis client (new Redis(), new Cluster() or createRedisClient()) as its first argument; got undefined.'),
    );
  });

  it('refuses a node-redis client by name', () => {
    const nodeRedis = createClient();
    expect(() => createTessera(nodeRedis as unknown as RedisClientLike)).toThrow(/got a node-redis client \(the "redis" package\)/);
  });

  it('refuses options given in place of the client', () => {
    expect(() => createTessera({ idleTimeoutSeconds: 60 } as unknown as RedisClientLike)).toThrow(
      /got a plain object \(keys: idleTimeoutSeconds\); options go second/,
    );
  });

  it('refuses an unknown option, naming the closest known one', () => {
    expect(() => createTessera(lazyRedis(FAIL_FAST), { idleTimeout: 60 } as never)).toThrow(
      new TesseraArgumentError('Unknown option "idleTimeout"; did you mean "idleTimeoutSeconds"?'),
    );
    expect(() => createTessera(lazyRedis(FAIL_FAST), { maxSessionPerUser: 3 } as never)).toThrow(/did you mean "maxSessionsPerUser"\?/);
    expect(() => createTessera(lazyRedis(FAIL_FAST), { colour: 'blue' } as never)).toThrow(/Unknown option "colour"\. Known options: idleTimeoutSeconds, /);
  });

  it('warns once about a client that would hold requests open while Redis is down', async () => {
    const client = lazyRedis();
    const first = tesseraWarnings(() => {
      createTessera(client);
      createTessera(client);
    });
    expect(first).toEqual([
      expect.stringMatching(
        /^TESSERA_SLOW_FAILING_REDIS: .*it queues commands while Redis is down \(enableOfflineQueue\) and it has no commandTimeout\. Use createRedisClient\(\)/,
      ),
    ]);
    expect(tesseraWarnings(() => createTessera(lazyRedis({ enableOfflineQueue: false })))).toEqual([expect.stringContaining('it has no commandTimeout.')]);
  });

  it('does not warn about a fail-fast client', async () => {
    const made = createRedisClient({ kind: 'standalone', url: 'redis://127.0.0.1:1' }, { redisOptions: { lazyConnect: true }, logger: null });
    expect(tesseraWarnings(() => createTessera(made))).toEqual([]);
    expect(tesseraWarnings(() => createTessera(lazyRedis(FAIL_FAST)))).toEqual([]);
    made.disconnect();
  });
});

const FAIL_FAST = { enableOfflineQueue: false, commandTimeout: 1000 };
