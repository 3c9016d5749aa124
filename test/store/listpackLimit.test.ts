import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config/env';
import { startService } from '../../src/server/service';
import { COMPACT_SESSION_VALUE_BYTES, smallestListpackValueLimit } from '../../src/store/listpackLimit';
import { BACKENDS } from '../support/backends';
import { eventually } from '../support/eventually';
import { startPrivateRedis, type PrivateRedis } from '../support/privateRedis';

describe.each(BACKENDS)('the listpack limit on $name Redis', (backend) => {
  it('reads the shipped redis.conf’s limit from every master', async () => {
    const redis = await backend.connect();
    try {
      expect(await smallestListpackValueLimit(redis)).toBe(COMPACT_SESSION_VALUE_BYTES);
    } finally {
      redis.disconnect();
    }
  });
});

describe('a Redis that would store sessions in the large encoding', () => {
  let redis: PrivateRedis;
  beforeEach(async () => {
    redis = await startPrivateRedis();
  });
  afterEach(() => redis.destroy());

  function capture(): { logger: pino.Logger; lines(): Array<Record<string, unknown>> } {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    return { logger: pino({ level: 'info' }, sink), lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
  }

  it('is named at start, with the setting to change', async () => {
    await redis.redis.config('SET', 'hash-max-listpack-value', '64');
    expect(await smallestListpackValueLimit(redis.redis)).toBe(64);
    const logs = capture();
    const service = await startService(loadConfig({ PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4' }), redis.redis, logs.logger);
    try {
      await eventually(async () => logs.lines().some((line) => line.hashMaxListpackValue === 64), 10_000, 'the warning');
      const warning = logs.lines().find((line) => line.hashMaxListpackValue === 64)!;
      expect(warning.level).toBe(40);
      expect(warning.msg).toContain('set it to 512');
    } finally {
      await service.close();
    }
  });

  it('is not named when CONFIG is refused', async () => {
    await redis.redis.call('ACL', 'SETUSER', 'default', '-config');
    expect(await smallestListpackValueLimit(redis.redis)).toBeNull();
  });
});
