import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config/env';
import { safeLogger } from '../../src/logging/logger';
import { DeviceTokens } from '../../src/tokens/deviceToken';
import { formatRefreshToken, newFamilyId } from '../../src/tokens/refreshToken';
import { newLocalId, newRoutingTag } from '../../src/tokens/sessionId';
import { formatToken, newSecret } from '../../src/tokens/token';
import { startService, type RunningService } from '../../src/server/service';
import { startPrivateRedis, type PrivateRedis } from '../support/privateRedis';

const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) LogProbe/9.9';
const PASSWORDS = { old: 'first-Secret-4821', next: 'second-Secret-7315', newcomer: 'arrival-Secret-9042' };

/** Everything the service logs, as the raw lines pino writes. */
function capture(): { logger: pino.Logger; text(): string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), text: () => lines.join('') };
}

describe('the logs when Redis refuses a write', () => {
  let redis: PrivateRedis;
  let service: RunningService;
  let logs: ReturnType<typeof capture>;
  let url: string;

  beforeEach(async () => {
    redis = await startPrivateRedis();
    logs = capture();
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4' });
    service = await startService(config, redis.redis, logs.logger);
    url = `http://127.0.0.1:${service.port}`;
  });
  afterEach(async () => {
    await service.close();
    await redis.destroy();
  });

  const post = (path: string, body: unknown, token?: string) =>
    fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  async function registeredToken(): Promise<string> {
    expect((await post('/auth/register', { username: 'victim', password: PASSWORDS.old })).status).toBe(201);
    const login = await post('/auth/login', { username: 'victim', password: PASSWORDS.old });
    return ((await login.json()) as { token: string }).token;
  }

  /** A registration, a login and a password change, one after another: each writes a hash or a session. */
  async function secretWrites(token: string): Promise<Response[]> {
    return [
      await post('/auth/register', { username: 'newcomer', password: PASSWORDS.newcomer }),
      await post('/auth/login', { username: 'victim', password: PASSWORDS.old }),
      await post('/auth/password', { currentPassword: PASSWORDS.old, newPassword: PASSWORDS.next }, token),
    ];
  }

  function expectClean(text: string, token: string): void {
    expect(text).not.toMatch(/\$2[aby]\$\d\d\$/);
    for (const secret of [...Object.values(PASSWORDS), token, token.slice(-32), USER_AGENT]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/"(args|command|previousErrors|lastNodeError)"/);
    expect(text).not.toContain('"type":"Buffer"');
  }

  it('holds no command arguments, hash, password or token when a command is refused', async () => {
    const token = await registeredToken();
    // HSET stores password hashes and sessions; session checks never use it, so the token still works.
    await redis.redis.acl('SETUSER', 'default', '-hset');

    const answers = await secretWrites(token);

    // A refusal by the server's ACL is the operator's to fix: answered 503, like any store fault.
    expect(answers.map((a) => a.status)).toEqual([503, 503, 503]);
    const text = logs.text();
    // The failures were logged, with what an operator needs: what failed and why.
    expect(text.match(/NOPERM|can't run this command/g)?.length).toBeGreaterThanOrEqual(3);
    expectClean(text, token);
  });

  it('holds no command arguments, hash, password or token when Redis is full', async () => {
    const token = await registeredToken();
    await redis.redis.config('SET', 'maxmemory', '1');

    const answers = await secretWrites(token);

    // A script whose first writes Redis lets through may still finish (then only its audit entry fails).
    expect(answers.map((a) => a.status)).toEqual([503, 503, expect.any(Number)]);
    expect(answers[2].status).not.toBe(500);
    const text = logs.text();
    expect(text.match(/OOM/g)?.length).toBeGreaterThanOrEqual(3);
    expectClean(text, token);
  });
});

describe('the safe logger', () => {
  it('redacts refresh tokens, client secrets and credentials by field, and scrubs both kinds of token from messages', () => {
    const logs = capture();
    const logger = safeLogger(logs.logger);
    const tag = newRoutingTag();
    const refresh = formatRefreshToken(tag, newFamilyId(), newSecret());
    const session = formatToken(tag + newLocalId(), newSecret());
    logger.info(
      { refreshToken: refresh, body: { refreshToken: refresh, client_secret: 'client-Secret-5521', credential: 'credential-Secret-6630' } },
      'sign-in',
    );
    logger.error({ err: new Error(`refused ${refresh} and ${session}`) }, 'failed');
    const text = logs.text();
    for (const secret of [refresh, refresh.slice(-32), session, session.slice(-32), 'client-Secret-5521', 'credential-Secret-6630'])
      expect(text).not.toContain(secret);
    expect(text).toContain('[refresh token]');
    expect(text).toContain('[token]');
    expect(text.match(/\[redacted\]/g)).toHaveLength(4);
  });

  it('redacts device tokens by field and scrubs them from messages', async () => {
    const logs = capture();
    const logger = safeLogger(logs.logger);
    const { token } = await new DeviceTokens(async () => randomBytes(32), 60_000).issue('User1234');
    logger.info({ body: { deviceToken: token } }, 'sign-in');
    logger.error({ err: new Error(`refused ${token}.`) }, 'failed');
    const text = logs.text();
    for (const part of token.split('.').slice(2)) expect(text).not.toContain(part);
    expect(text).toContain('[device token]');
    expect(text).toContain('[redacted]');
  });
});

describe('the request log', () => {
  let redis: PrivateRedis;
  let service: RunningService;
  let logs: ReturnType<typeof capture>;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    logs = capture();
    service = await startService(loadConfig({ PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4' }), redis.redis, logs.logger);
  });
  afterAll(async () => {
    await service.close();
    await redis.destroy();
  });

  it('writes a line of method, path, status and time per request, and nothing the request carried', async () => {
    const token = formatToken(newRoutingTag() + newLocalId(), newSecret());
    const response = await fetch(`http://127.0.0.1:${service.port}/auth/session?token=${token}`, {
      headers: { authorization: `Bearer ${token}`, cookie: `tessera-session=${token}`, 'user-agent': USER_AGENT },
    });
    expect(response.status).toBe(401);
    const lines = logs
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = lines.filter((line) => line.msg === 'request');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: process.pid,
      hostname: expect.any(String),
      method: 'GET',
      path: '/auth/session',
      status: 401,
      ms: expect.any(Number),
      msg: 'request',
    });
    for (const secret of [token, token.slice(-32), USER_AGENT]) expect(logs.text()).not.toContain(secret);
  });

  it('names the route, or scrubs the path, so no token typed into a path reaches the log, on a 404 too', async () => {
    const token = formatToken(newRoutingTag() + newLocalId(), newSecret());
    const refresh = formatRefreshToken(newRoutingTag(), newFamilyId(), newSecret());
    const encoded = [...token].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    const base = `http://127.0.0.1:${service.port}`;
    const sent = [
      await fetch(`${base}/auth/sessions/${token}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }),
      await fetch(`${base}/auth/sessions/${refresh}`, { method: 'DELETE' }),
      await fetch(`${base}/nowhere/${token}/more`),
      await fetch(`${base}/${refresh}`),
      await fetch(`${base}/nowhere/${encoded}`),
      await fetch(`${base}/${token.slice(-32)}`),
    ];
    expect(sent.map((r) => r.status)).toEqual([401, 401, 404, 404, 404, 404]);
    const paths = logs
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'request')
      .map((line) => line.path);
    expect(paths).toEqual(expect.arrayContaining(['/auth/sessions/:id', '/nowhere/…/more', '/…', '/nowhere/…']));
    for (const secret of [token, token.slice(-32), token.slice(5, 27), refresh, refresh.slice(-32), encoded]) expect(logs.text()).not.toContain(secret);
  });
});
