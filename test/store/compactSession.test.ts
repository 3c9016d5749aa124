import { randomBytes } from 'node:crypto';
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

  it('keeps its hash a listpack with a browser’s user agent packed in it, and gives that user agent back exactly', async () => {
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
      expect((await redis.hget(key, SESSION_FIELD.packedUserAgent))!.length).toBeLessThan(BROWSER.length / 3);
    }
    const user = userKeysOf('app', first.session.id);
    expect(await redis.keys('app:*')).toEqual(expect.arrayContaining([user.user]));
    expect(await redis.keys(`${user.agentPrefix}*`)).toEqual([]);
    expect(await redis.object('ENCODING', user.user)).toBe('listpack');

    const { sessions: listed } = await sessions.list('user-1');
    expect(listed.map((session) => session.userAgent)).toEqual([BROWSER, BROWSER]);
    expect((await sessions.validate(first.token))!.session.userAgent).toBe(BROWSER);
  });

  it('keeps a user agent that does not pack small once per user and agent, as long as the longest session that shares it', async () => {
    const sessions = service();
    const unusual = `Unusual/1.0 ${randomBytes(60).toString('base64url')}`;
    const created = await sessions.create('user-2', { userAgent: unusual });
    const again = await sessions.create('user-2', { userAgent: unusual });
    const agents = await redis.keys(`${userKeysOf('app', created.session.id).agentPrefix}*`);
    expect(agents).toHaveLength(1);
    expect(await redis.get(agents[0])).toBe(unusual);
    expect(await redis.object('ENCODING', sessionKeyOf('app', again.session.id))).toBe('listpack');
    await redis.pexpire(agents[0], 1000);
    expect((await sessions.validate(created.token))!.session.userAgent).toBe(unusual);
    expect(await redis.pexpiretime(agents[0])).toBeGreaterThanOrEqual(await redis.pexpiretime(sessionKeyOf('app', created.session.id)));
  });

  it('needs no key but the session and the user hash for a user’s first session', async () => {
    const sessions = service();
    const created = await sessions.create('user-3', { device: { type: 'web' }, userAgent: BROWSER });
    const user = userKeysOf('app', created.session.id);
    expect((await redis.keys(`app:v1:{${created.session.id.slice(0, 10)}}*`)).sort()).toEqual([sessionKeyOf('app', created.session.id), user.user].sort());
    expect(await redis.keys('app:v1:uid:*')).toEqual([]);
  });
});
