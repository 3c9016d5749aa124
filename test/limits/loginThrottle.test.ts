import { setTimeout as sleep } from 'node:timers/promises';
import { BACKENDS } from '../support/backends';
import type { TestService } from '../support/service';
import { useInstancePair } from '../support/serviceFixture';

const PASSWORD = 'correct horse battery';

describe.each(BACKENDS)('login throttles shared by two instances on $name Redis', (backend) => {
  /** Two instances behind one proxy, each request from the address it names. */
  const suite = useInstancePair(backend, { TRUST_PROXY: 'on', ADMIN_USERNAME: 'root', ADMIN_PASSWORD: PASSWORD });

  function login(service: TestService, username: string, password: string, address: string): Promise<Response> {
    return service.call('POST', '/auth/login', { body: { username, password }, headers: { 'x-forwarded-for': address } });
  }

  async function register(service: TestService, username: string, address: string): Promise<Response> {
    return service.call('POST', '/auth/register', { body: { username, password: PASSWORD }, headers: { 'x-forwarded-for': address } });
  }

  it('answers 300 wrong passwords with 429 and Retry-After after five, refuses the right one during the lockout, and lets another user in', async () => {
    expect((await register(suite.a, 'victim', '192.0.2.1')).status).toBe(201);
    expect((await register(suite.a, 'bystander', '192.0.2.1')).status).toBe(201);
    const statuses: number[] = [];
    let lastRefusal: Response | null = null;
    for (let i = 0; i < 300; i++) {
      // Alternating instances: the count is shared, not per process.
      const response = await login(i % 2 ? suite.a : suite.b, 'victim', `wrong password ${i}`, '198.51.100.7');
      statuses.push(response.status);
      if (response.status === 429) lastRefusal = response;
      else await response.body?.cancel();
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
    expect(lastRefusal!.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(lastRefusal!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(lastRefusal!.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await lastRefusal!.json()).toMatchObject({ type: 'urn:tessera:problem:rate-limited', status: 429 });

    expect((await login(suite.a, 'victim', PASSWORD, '198.51.100.7')).status).toBe(429);
    expect((await login(suite.b, 'bystander', PASSWORD, '198.51.100.7')).status).toBe(200);
    // The lockout is of this name at this address: the owner elsewhere still gets in.
    expect((await login(suite.b, 'victim', PASSWORD, '203.0.113.9')).status).toBe(200);
  });

  it('throttles wrong current passwords on a password change per session, like failed logins, and refuses the right one during the lockout', async () => {
    expect((await register(suite.a, 'stolen', '192.0.2.7')).status).toBe(201);
    const session = (await (await login(suite.a, 'stolen', PASSWORD, '198.51.100.20')).json()) as { token: string };
    const change = (service: TestService, currentPassword: string) =>
      service.call('POST', '/auth/password', {
        token: session.token,
        body: { currentPassword, newPassword: 'taken-over-2026' },
        headers: { 'x-forwarded-for': '198.51.100.20' },
      });
    const statuses: number[] = [];
    let lastRefusal: Response | null = null;
    for (let i = 0; i < 30; i++) {
      const response = await change(i % 2 ? suite.a : suite.b, `guess ${i}`);
      statuses.push(response.status);
      if (response.status === 429) lastRefusal = response;
      else await response.body?.cancel();
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
    expect(Number(lastRefusal!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await lastRefusal!.json()).toMatchObject({ type: 'urn:tessera:problem:rate-limited', status: 429 });

    expect((await change(suite.a, PASSWORD)).status).toBe(429);
    // Counted for this session alone: its owner still logs in from that very address, and the password is unchanged.
    expect((await login(suite.b, 'stolen', PASSWORD, '198.51.100.20')).status).toBe(200);
    expect((await login(suite.b, 'stolen', 'taken-over-2026', '203.0.113.21')).status).toBe(401);
  });

  it('answers an unknown name exactly as a known one', async () => {
    await register(suite.a, 'known', '192.0.2.2');
    const answers = async (username: string) => {
      const seen: string[] = [];
      for (let i = 0; i < 8; i++) {
        const response = await login(i % 2 ? suite.a : suite.b, username, 'wrong password', '198.51.100.8');
        const body = (await response.json()) as { type: string; instance: string; detail: string };
        seen.push(`${response.status} ${body.type} ${response.headers.get('retry-after') !== null}`);
      }
      return seen;
    };
    const known = await answers('known');
    expect(known).toEqual(await answers('unknown-name'));
    expect(known[5]).toBe('429 urn:tessera:problem:rate-limited true');
  });

  it('writes one audit entry when a lockout starts, none for the refused attempts after it', async () => {
    await register(suite.a, 'audited', '192.0.2.3');
    for (let i = 0; i < 20; i++) await (await login(i % 2 ? suite.a : suite.b, 'audited', 'wrong password', '198.51.100.9')).body?.cancel();
    const { entries } = await suite.a.admin.audit.page(200, undefined, 'sign-in');
    const user = await suite.a.accounts.findByUsername('audited');
    const locked = entries.filter((entry) => entry.type === 'login.locked' && entry.target === user!.id);
    expect(locked).toHaveLength(1);
    expect(locked[0]).toMatchObject({ ip: '198.51.100.9', outcome: 'denied' });
  });

  it('throttles one password sprayed over many names from one address, on both instances', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 110; i++) {
      const response = await login(i % 2 ? suite.a : suite.b, `sprayed-${i}`, 'Summer2026!', '198.51.100.10');
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(statuses.slice(0, 100).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(100).every((status) => status === 429)).toBe(true);
    // Another address is not affected.
    expect((await login(suite.a, 'sprayed-0', 'Summer2026!', '198.51.100.11')).status).toBe(401);
  });

  it('locks a username for a short while after many failures from many addresses, the right password included', async () => {
    await register(suite.a, 'targeted', '192.0.2.4');
    for (let i = 0; i < 50; i++) {
      const response = await login(i % 2 ? suite.a : suite.b, 'targeted', 'wrong password', `10.1.0.${i}`);
      expect(response.status).toBe(401);
      await response.body?.cancel();
    }
    const refused = await login(suite.a, 'targeted', PASSWORD, '10.2.0.1');
    expect(refused.status).toBe(429);
    // A short lock: the username window (15 minutes), not the address lockout's growth.
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(900);
    expect((await login(suite.b, 'known', PASSWORD, '10.2.0.1')).status).toBe(200);
  });

  it('lets an admin clear a lockout through the API', async () => {
    await register(suite.a, 'forgetful', '192.0.2.5');
    for (let i = 0; i < 5; i++) await (await login(suite.a, 'forgetful', 'wrong password', '198.51.100.12')).body?.cancel();
    expect((await login(suite.b, 'forgetful', PASSWORD, '198.51.100.12')).status).toBe(429);
    const admin = (await (await login(suite.a, 'root', PASSWORD, '192.0.2.200')).json()) as { token: string };
    const cleared = await suite.b.call('POST', '/admin/throttles/clear', {
      token: admin.token,
      body: { username: 'Forgetful', address: '198.51.100.12' },
    });
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toEqual({ cleared: 2 });
    expect((await login(suite.a, 'forgetful', PASSWORD, '198.51.100.12')).status).toBe(200);
    const { entries } = await suite.a.admin.audit.page(5);
    expect(entries.find((entry) => entry.type === 'throttle.cleared')).toMatchObject({ actor: { name: 'root' }, outcome: 'success' });
  });

  it('limits registrations per address across both instances', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await register(i % 2 ? suite.a : suite.b, `newcomer-${i}`, '198.51.100.13')).status);
    expect(statuses.slice(0, 20).every((status) => status === 201)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
    expect((await register(suite.a, 'elsewhere', '198.51.100.14')).status).toBe(201);
  });

  it('doubles each lockout, and a right password resets the count', async () => {
    const [x, y] = await suite.pair({ LOGIN_LOCKOUT: '1s', LOGIN_FREE_TRIES: '2' });
    await register(x, 'doubling', '192.0.2.6');
    const lockOut = async () => {
      for (let i = 0; i < 2; i++) expect((await login(i % 2 ? x : y, 'doubling', 'wrong password', '198.51.100.15')).status).toBe(401);
      const refused = await login(x, 'doubling', PASSWORD, '198.51.100.15');
      expect(refused.status).toBe(429);
      return Number(refused.headers.get('retry-after'));
    };
    // Real time is the behaviour under test: each wait outlasts the lockout before it.
    expect(await lockOut()).toBe(1);
    await sleep(1200);
    expect(await lockOut()).toBe(2);
    await sleep(2200);
    expect((await login(y, 'doubling', PASSWORD, '198.51.100.15')).status).toBe(200);
    expect(await lockOut()).toBe(1);
  });
});
