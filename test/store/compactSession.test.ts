import { Redis } from 'ioredis';
import { SessionService } from '../../src/sessions/sessionService';
import { SESSION_FIELD } from '../../src/store/fields';
import { sessionKeyOf, userKeysOf } from '../support/keys';
import { startRedis, type RedisProcess } from '../support/redisServer';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.108 Safari/537.36 OPR/116.0.0.0';

describe('a session on a Redis with its default configuration', () => {
  let server: RedisProcess;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis([], { defaults: true });
    redis = new Redis({ port: server.port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.destroy();
  });

  const service = () => new SessionService(redis, { keyPrefix: 'app', idleTimeoutSeconds: 600, slideGranularityMs: 0 });

  it('keeps its hash a listpack with a browser’s user agent, which it stores once per user and browser', async () => {
    expect(await redis.config('GET', 'hash-max-listpack-value')).toEqual(['hash-max-listpack-value', '64']);
    const sessions = service();
    const metadata = { device: { type: 'web', name: 'Opera on Linux' }, ip: '198.51.100.7', userAgent: BROWSER };
    const first = await sessions.create('user-1', metadata);
    const second = await sessions.create('user-1', metadata);
    await sessions.setAttribute(first.session.id, 'locale', 'en-GB');

    for (const { session } of [first, second]) {
      const key = sessionKeyOf('app', session.id);
      expect(await redis.object('ENCODING', key)).toBe('listpack');
      expect(await redis.hget(key, SESSION_FIELD.userAgent)).toBeNull();
    }
    const agents = await redis.keys(`${userKeysOf('app', first.session.id).agentPrefix}*`);
    expect(agents).toHaveLength(1);
    expect(await redis.get(agents[0])).toBe(BROWSER);

    const { sessions: listed } = await sessions.list('user-1');
    expect(listed.map((session) => session.userAgent)).toEqual([BROWSER, BROWSER]);
    expect((await sessions.validate(first.token))!.session.userAgent).toBe(BROWSER);
  });

  it('keeps the user agent as long as the longest session that shares it, however they slide', async () => {
    const sessions = service();
    const created = await sessions.create('user-2', { userAgent: BROWSER });
    const agent = (await redis.keys(`${userKeysOf('app', created.session.id).agentPrefix}*`))[0];
    await redis.pexpire(agent, 1000);
    await sessions.validate(created.token);
    expect(await redis.pexpiretime(agent)).toBeGreaterThanOrEqual(await redis.pexpiretime(sessionKeyOf('app', created.session.id)));
  });
});
