/**
 * The signals a mailer follows on the event stream: a login from a device new to the user, and a
 * session used from another address, on real standalone Redis and a real Cluster.
 */
import { BACKENDS, uniquePrefix } from '../support/backends';
import { logIn, signUpAndLogIn, type TestService } from '../support/service';
import { useServices } from '../support/serviceFixture';
import { KeySpace } from '../support/keys';
import { parseSessionId } from '../../src/tokens/sessionId';
import { USER_FIELD } from '../../src/store/fields';

const ADMIN = { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'admin-secret-2468' };
const PASSWORD = 'correct horse battery';

describe.each(BACKENDS)('sign-in signals on $name Redis', (backend) => {
  const suite = useServices(backend);

  async function serve(env: Record<string, string> = {}): Promise<{ service: TestService; keys: KeySpace }> {
    const prefix = uniquePrefix();
    return { service: await suite.serve({ KEY_PREFIX: prefix, EVENT_STREAM: 'on', TRUST_PROXY: '1', ...env }), keys: new KeySpace(prefix) };
  }

  /** The known devices' fields of a user hash. */
  async function knownDevicesOf(userKey: string): Promise<string[]> {
    return (await suite.redis.hkeys(userKey)).filter((field) => field.startsWith(USER_FIELD.knownDevice));
  }

  async function eventsOf(keys: KeySpace, type: string): Promise<Record<string, string>[]> {
    const entries = await suite.redis.xrange(keys.events(), '-', '+');
    return entries
      .map(([, flat]) => Object.fromEntries(flat.flatMap((value, i) => (i % 2 ? [] : [[value, flat[i + 1]]]))))
      .filter((fields) => fields.type === type);
  }

  function login(service: TestService, username: string, device: { type?: string; name?: string }, userAgent: string, address = '203.0.113.9') {
    return service.call('POST', '/auth/login', {
      body: { username, password: PASSWORD, device },
      headers: { 'User-Agent': userAgent, 'X-Forwarded-For': address },
    });
  }

  it('emits session.new-device on a first login from a device, not on the second, and notes it in the sign-in trail', async () => {
    const { service, keys } = await serve(ADMIN);
    await service.call('POST', '/auth/register', { body: { username: 'alice', password: PASSWORD } });
    const phone = { type: 'ios', name: 'Alice’s phone' };
    const first = await login(service, 'alice', phone, 'Tessera-Test/1 (iPhone)');
    expect(first.status).toBe(200);
    const firstBody = (await first.json()) as { session: { id: string }; user: { id: string } };
    expect((await login(service, 'alice', phone, 'Tessera-Test/1 (iPhone)')).status).toBe(200);

    const signals = await eventsOf(keys, 'session.new-device');
    expect(signals).toEqual([
      {
        type: 'session.new-device',
        user: firstBody.user.id,
        session: firstBody.session.id,
        deviceType: 'ios',
        deviceName: 'Alice’s phone',
        ip: '203.0.113.9',
        userAgent: 'Tessera-Test/1 (iPhone)',
      },
    ]);

    // The same name in another browser is another device.
    const laptop = await login(service, 'alice', phone, 'Tessera-Test/1 (Windows)');
    const laptopBody = (await laptop.json()) as { session: { id: string } };
    expect((await eventsOf(keys, 'session.new-device')).map((event) => event.session)).toEqual([firstBody.session.id, laptopBody.session.id]);

    const admin = await logIn(service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const trail = await service.call('GET', '/admin/audit?limit=100&stream=sign-in', { token: admin.token });
    const entries = ((await trail.json()) as { entries: { type: string; target: string; actor: { id: string }; detail: string }[] }).entries;
    const alices = entries.filter((entry) => entry.type === 'login.new-device' && entry.actor.id === firstBody.user.id);
    expect(alices.map((entry) => entry.target).sort()).toEqual([firstBody.session.id, laptopBody.session.id].sort());
    expect(alices.find((entry) => entry.target === firstBody.session.id)?.detail).toBe('ios Alice’s phone; Tessera-Test/1 (iPhone)');
  });

  it('remembers only the most recent devices, KNOWN_DEVICES_PER_USER of them', async () => {
    const { service, keys } = await serve({ KNOWN_DEVICES_PER_USER: '2' });
    await service.call('POST', '/auth/register', { body: { username: 'bob', password: PASSWORD } });
    let last: { session: { id: string }; user: { id: string } } | undefined;
    for (const agent of ['A', 'B', 'C', 'C', 'A']) {
      const response = await login(service, 'bob', {}, agent);
      expect(response.status).toBe(200);
      last = (await response.json()) as typeof last;
    }
    // A fell out when C came, so it counts as new again; C was still known.
    expect((await eventsOf(keys, 'session.new-device')).map((event) => event.userAgent)).toEqual(['A', 'B', 'C', 'A']);
    expect(await knownDevicesOf(keys.forUser(parseSessionId(last!.session.id)!.tag).user)).toHaveLength(2);
  });

  it('emits nothing and remembers nothing with KNOWN_DEVICES_PER_USER=0', async () => {
    const { service, keys } = await serve({ KNOWN_DEVICES_PER_USER: '0' });
    const user = await signUpAndLogIn(service, 'carl');
    expect(await eventsOf(keys, 'session.new-device')).toEqual([]);
    expect(await knownDevicesOf(keys.forUser(parseSessionId(user.body.session.id)!.tag).user)).toEqual([]);
  });

  it('emits session.address-changed once when a session moves, and never refuses it', async () => {
    const { service, keys } = await serve();
    await service.call('POST', '/auth/register', { body: { username: 'dana', password: PASSWORD } });
    const response = await login(service, 'dana', {}, 'Tessera-Test/1', '203.0.113.9');
    const { token, session, user } = (await response.json()) as { token: string; session: { id: string }; user: { id: string } };
    const from = (address: string) => service.call('GET', '/auth/session', { token, headers: { 'X-Forwarded-For': address } });

    expect((await from('203.0.113.9')).status).toBe(200);
    expect(await eventsOf(keys, 'session.address-changed')).toEqual([]);

    // Many requests at once from the new address: one of them moves the session, one event.
    const moved = await Promise.all(Array.from({ length: 8 }, () => from('198.51.100.4')));
    expect(moved.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    expect(await eventsOf(keys, 'session.address-changed')).toEqual([
      { type: 'session.address-changed', user: user.id, session: session.id, from: '203.0.113.9', to: '198.51.100.4' },
    ]);
    const now = (await (await from('198.51.100.4')).json()) as { session: { ip: string } };
    expect(now.session.ip).toBe('198.51.100.4');
    expect(await eventsOf(keys, 'session.address-changed')).toHaveLength(1);

    expect((await from('203.0.113.9')).status).toBe(200);
    expect((await eventsOf(keys, 'session.address-changed')).map((event) => event.to)).toEqual(['198.51.100.4', '203.0.113.9']);
  });

  it('takes a new address within the session’s IPv6 prefix, or another spelling of it, for no change', async () => {
    const { service, keys } = await serve({ IPV6_SUBNET: '64' });
    await service.call('POST', '/auth/register', { body: { username: 'erin', password: PASSWORD } });
    const response = await login(service, 'erin', {}, 'Tessera-Test/1', '2001:db8:1:2::10');
    const { token } = (await response.json()) as { token: string };
    const from = (address: string) => service.call('GET', '/auth/session', { token, headers: { 'X-Forwarded-For': address } });
    expect((await from('2001:db8:1:2:aaaa::7')).status).toBe(200);
    expect((await from('2001:DB8:1:2:0:0:0:10')).status).toBe(200);
    expect(await eventsOf(keys, 'session.address-changed')).toEqual([]);
    expect((await from('2001:db8:1:3::10')).status).toBe(200);
    expect((await eventsOf(keys, 'session.address-changed')).map((event) => [event.from, event.to])).toEqual([['2001:db8:1:2::10', '2001:db8:1:3::10']]);
  });
});
