import { BACKENDS } from '../support/backends';
import type { TestService } from '../support/service';
import { useInstancePair } from '../support/serviceFixture';

const PASSWORD = 'correct horse battery';

async function login(service: TestService, username: string, password: string, address: string): Promise<number> {
  const response = await service.call('POST', '/auth/login', { body: { username, password }, headers: { 'x-forwarded-for': address } });
  await response.body?.cancel();
  return response.status;
}

describe.each(BACKENDS)('addresses counted by one spelling and by IPv6 prefix on $name Redis', (backend) => {
  const suite = useInstancePair(backend, { TRUST_PROXY: 'on' });

  beforeAll(async () => {
    const made = await suite.a.call('POST', '/auth/register', {
      body: { username: 'bucketed', password: PASSWORD },
      headers: { 'x-forwarded-for': '192.0.2.1' },
    });
    expect(made.status).toBe(201);
  });

  it('gives 40 addresses in one /64 one budget, and an address in the next /64 its own', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push(await login(i % 2 ? suite.a : suite.b, 'bucketed', `guess ${i}`, `2001:db8:5:6::${(i + 1).toString(16)}`));
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
    expect(await login(suite.a, 'bucketed', PASSWORD, '2001:db8:5:6:ffff:ffff:ffff:ffff')).toBe(429);
    expect(await login(suite.a, 'bucketed', 'guess', '2001:db8:5:7::1')).toBe(401);
  });

  it('counts by a wider prefix when IPV6_SUBNET asks for one', async () => {
    const [x, y] = await suite.pair({ IPV6_SUBNET: '48' });
    await x.call('POST', '/auth/register', { body: { username: 'wide', password: PASSWORD }, headers: { 'x-forwarded-for': '192.0.2.1' } });
    for (let i = 0; i < 5; i++) expect(await login(i % 2 ? x : y, 'wide', `guess ${i}`, `2001:db8:7:${i}::1`)).toBe(401);
    expect(await login(x, 'wide', PASSWORD, '2001:db8:7:ffff::1')).toBe(429);
    expect(await login(y, 'wide', PASSWORD, '2001:db8:8::1')).toBe(200);
  });

  it('gives every spelling of one IPv4 address, mapped into IPv6 or not, one budget', async () => {
    const spellings = ['203.0.113.7', '::ffff:203.0.113.7', '::FFFF:203.0.113.7', '0:0:0:0:0:ffff:cb00:7107', '::ffff:cb00:7107'];
    for (const [i, spelling] of spellings.entries()) expect(await login(i % 2 ? suite.a : suite.b, 'bucketed', `guess ${i}`, spelling)).toBe(401);
    for (const spelling of spellings) expect(await login(suite.a, 'bucketed', PASSWORD, spelling)).toBe(429);
    expect(await login(suite.b, 'bucketed', PASSWORD, '203.0.113.8')).toBe(200);
  });

  it('records the address in its one spelling', async () => {
    const response = await suite.b.call('POST', '/auth/login', {
      body: { username: 'bucketed', password: PASSWORD },
      headers: { 'x-forwarded-for': '2001:DB8:0:0:0:0:0:AB, ::FFFF:198.51.100.9' },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { session: { ip: string } }).session.ip).toBe('198.51.100.9');
  });
});
