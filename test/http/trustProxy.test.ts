import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BACKENDS } from '../support/backends';
import { startNginx } from '../support/nginx';
import { type TestService } from '../support/service';
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
