import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config/env';
import { startService } from '../../src/server/service';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { startNginx } from '../support/nginx';
import type { TestService } from '../support/service';
import { useServices } from '../support/serviceFixture';

const LOAD_BALANCER_CONFIG = path.resolve(__dirname, '../../deploy/nginx/load-balancer.conf');
const PASSWORD = 'proxy-test-password';

/** The client address the service recorded for a login sent with these headers (to `base`, the service or a proxy). */
async function recordedIp(service: TestService, username: string, headers: Record<string, string>, base = service.url): Promise<string | null> {
  await service.call('POST', '/auth/register', { body: { username, password: PASSWORD } });
  const login = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect(login.status).toBe(200);
  return ((await login.json()) as { session: { ip: string | null } }).session.ip;
}

describe('the client address behind proxies', () => {
  const suite = useServices(BACKENDS[0]);
  const serve = (trustProxy: string) => suite.serve({ TRUST_PROXY: trustProxy });

  const FORGED = { 'x-forwarded-for': '6.6.6.6, 10.1.1.1, 10.2.2.2' };

  it('ignores X-Forwarded-For unless told to trust a proxy', async () => {
    expect(await recordedIp(await serve('off'), 'direct', FORGED)).toBe('127.0.0.1');
  });

  it('with TRUST_PROXY=on, believes only the entry its one proxy appended', async () => {
    expect(await recordedIp(await serve('on'), 'one-hop', FORGED)).toBe('10.2.2.2');
  });

  it('with a number, believes that many hops from the right and nothing the client wrote before them', async () => {
    expect(await recordedIp(await serve('2'), 'two-hops', FORGED)).toBe('10.1.1.1');
  });

  it('takes an X-Forwarded-For entry that is not an IP address for none, counts the peer, and says so once', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4', TRUST_PROXY: 'on', KEY_PREFIX: uniquePrefix() });
    const service = await startService(config, suite.redis, pino({ level: 'warn' }, sink));
    try {
      const url = `http://127.0.0.1:${service.port}`;
      const login = (username: string, password: string, forwardedFor: string) =>
        fetch(`${url}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
          body: JSON.stringify({ username, password }),
        });
      await service.accounts.createAccount('junk-forwarded', PASSWORD);
      for (let i = 0; i < 5; i++) expect((await login('junk-forwarded', 'wrong password', i % 2 ? 'not-an-ip' : `not-an-ip-${i}`)).status).toBe(401);
      // The five failures were the peer's: the peer is locked out, whatever it claims next.
      expect((await login('junk-forwarded', PASSWORD, '127.0.0.1')).status).toBe(429);
      expect((await login('junk-forwarded', PASSWORD, '203.0.113.50')).status).toBe(200);
      const warnings = lines.map((line) => JSON.parse(line) as { msg: string; forwardedFor?: string }).filter((line) => /X-Forwarded-For/.test(line.msg));
      expect(warnings).toEqual([expect.objectContaining({ forwardedFor: 'not-an-ip-0' })]);
    } finally {
      await service.close();
    }
  });

  it('records the real client address through the shipped nginx config, whatever the client claims', async () => {
    const service = await serve('on');
    const site = readFileSync(LOAD_BALANCER_CONFIG, 'utf8')
      .replace(/upstream tessera \{[^}]*\}/, `upstream tessera { server 127.0.0.1:${service.port}; keepalive 4; }`)
      .replace('listen 8080;', 'listen 127.0.0.1:{{PORT}};');
    expect(site).toContain(`127.0.0.1:${service.port}`);
    const nginx = await startNginx(site);
    try {
      expect(await recordedIp(service, 'behind-nginx', { 'x-forwarded-for': '6.6.6.6' }, nginx.url)).toBe('127.0.0.1');
    } finally {
      await nginx.stop();
    }
  });
});
