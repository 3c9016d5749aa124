/**
 * How another service follows the session lifecycle: a consumer group on the event stream,
 * read with XREADGROUP and acknowledged with XACK, on real standalone Redis and a real Cluster.
 */
import type { Cluster, Redis } from 'ioredis';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { sampleValue, scrape } from '../support/scrape';
import { logIn, signUpAndLogIn, type TestService } from '../support/service';
import { useServices } from '../support/serviceFixture';
import { KeySpace } from '../support/keys';

const ADMIN = { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'admin-secret-2468' };
const GROUP = 'session-mirror';
/** The sign-in signals (a new device's login) have a suite of their own: off here, each act is one event. */
const LIFECYCLE_ONLY = { KNOWN_DEVICES_PER_USER: '0' };

type Event = { id: string; fields: Record<string, string> };

/** One XREADGROUP call: new entries for `consumer`, or its own pending ones from `start` ('0'). */
async function readGroup(redis: Redis | Cluster, key: string, consumer: string, start = '>'): Promise<Event[]> {
  const reply = (await redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', 100, 'BLOCK', 200, 'STREAMS', key, start)) as
    | [string, [string, string[]][]][]
    | null;
  return (reply?.[0]?.[1] ?? []).map(([id, flat]) => ({ id, fields: Object.fromEntries(pairs(flat)) }));
}

function pairs(flat: string[]): [string, string][] {
  const result: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) result.push([flat[i], flat[i + 1]]);
  return result;
}

/** Reads and acknowledges until `count` events have come, as a consumer would. */
async function consume(redis: Redis | Cluster, key: string, consumer: string, count: number): Promise<Record<string, string>[]> {
  const events: Record<string, string>[] = [];
  for (let round = 0; events.length < count && round < 50; round++) {
    const batch = await readGroup(redis, key, consumer);
    if (batch.length > 0) await redis.xack(key, GROUP, ...batch.map((event) => event.id));
    events.push(...batch.map((event) => event.fields));
  }
  return events;
}

describe.each(BACKENDS)('the session lifecycle event stream on $name Redis', (backend) => {
  const suite = useServices(backend);
  let reader: Redis | Cluster;
  let service: TestService;
  let key: string;

  beforeAll(async () => {
    // A consumer's own connection: XREADGROUP with BLOCK holds it while it waits.
    reader = await backend.connect({ commandTimeout: 5000 });
  });
  afterAll(() => reader.quit());

  beforeEach(async () => {
    const prefix = uniquePrefix();
    key = new KeySpace(prefix).events();
    service = await suite.serve({ KEY_PREFIX: prefix, EVENT_STREAM: 'on', MAX_SESSIONS_PER_USER: '3', ...LIFECYCLE_ONLY, ...ADMIN });
    // "$": the group starts with what happens from now on (MKSTREAM makes the stream if no event came yet).
    await reader.xgroup('CREATE', key, GROUP, '$', 'MKSTREAM');
  });

  it('delivers logins, revocations, a password change, a logout everywhere and a ban to a consumer group, in order', async () => {
    const admin = await logIn(service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const first = await signUpAndLogIn(service, 'follow-me');
    const userId = first.body.user.id;
    const second = await logIn(service, 'follow-me');
    const third = await logIn(service, 'follow-me');
    expect((await service.call('DELETE', `/auth/sessions/${second.body.session.id}`, { token: first.token })).status).toBe(204);
    const changed = await service.call('POST', '/auth/password', {
      token: first.token,
      body: { currentPassword: 'correct horse battery', newPassword: 'the new password' },
    });
    expect(changed.status).toBe(204);
    expect((await service.call('POST', '/auth/logout-all', { token: first.token })).status).toBe(204);
    const fourth = await logIn(service, 'follow-me', 'the new password');
    expect((await service.call('POST', '/auth/logout', { token: fourth.token })).status).toBe(204);
    await logIn(service, 'follow-me', 'the new password');
    const banned = await service.call('POST', '/admin/blacklist', { token: admin.token, body: { userId, reason: 'token leaked' } });
    expect(banned.status).toBe(201);

    const events = await consume(reader, key, 'mirror-1', 11);
    expect(events).toEqual([
      { type: 'session.created', user: admin.body.user.id, session: admin.body.session.id },
      { type: 'session.created', user: userId, session: first.body.session.id },
      { type: 'session.created', user: userId, session: second.body.session.id },
      { type: 'session.created', user: userId, session: third.body.session.id },
      { type: 'session.revoked', user: userId, session: second.body.session.id, reason: 'revoked' },
      { type: 'password.changed', user: userId, ended: '1', kept: first.body.session.id },
      { type: 'sessions.revoked', user: userId, ended: '1' },
      { type: 'session.created', user: userId, session: fourth.body.session.id },
      { type: 'session.revoked', user: userId, session: fourth.body.session.id, reason: 'revoked' },
      { type: 'session.created', user: userId, session: expect.any(String) },
      { type: 'user.banned', user: userId, until: 'never', ended: '1' },
    ]);
    // Everything read was acknowledged: nothing is pending for the group.
    expect((await reader.xpending(key, GROUP))[0]).toBe(0);
  });

  it('tells a consumer which session a login over the limit replaced', async () => {
    const sessions = [await signUpAndLogIn(service, 'crowded')];
    for (let i = 0; i < 3; i++) sessions.push(await logIn(service, 'crowded'));
    const events = await consume(reader, key, 'mirror-1', 5);
    expect(events.slice(3)).toEqual([
      { type: 'session.created', user: sessions[0].body.user.id, session: sessions[3].body.session.id },
      { type: 'session.revoked', user: sessions[0].body.user.id, session: sessions[0].body.session.id, reason: 'replaced' },
    ]);
  });

  it('tells a consumer that a spent refresh token replaced the session it belonged to', async () => {
    await signUpAndLogIn(service, 'rememberer');
    const login = await service.call('POST', '/auth/login', { body: { username: 'rememberer', password: 'correct horse battery', remember: true } });
    const first = (await login.json()) as { refreshToken: string; session: { id: string }; user: { id: string } };
    const refreshed = await service.call('POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as { session: { id: string } };
    const events = await consume(reader, key, 'mirror-1', 4);
    expect(events.slice(1)).toEqual([
      { type: 'session.created', user: first.user.id, session: first.session.id },
      { type: 'session.created', user: first.user.id, session: next.session.id },
      { type: 'session.revoked', user: first.user.id, session: first.session.id, reason: 'refreshed' },
    ]);
  });

  it('hands the events a consumer read but never acknowledged to another consumer of the group', async () => {
    const { body } = await signUpAndLogIn(service, 'handover');
    const unacknowledged = await readGroup(reader, key, 'crashed-consumer');
    expect(unacknowledged.map((event) => event.fields.type)).toEqual(['session.created']);
    // The crashed consumer's entries stay pending until another claims them (here at once; in practice after a minimum idle time).
    const [, claimed] = (await reader.xautoclaim(key, GROUP, 'mirror-2', 0, '0-0')) as [string, [string, string[]][]];
    expect(claimed.map(([, flat]) => Object.fromEntries(pairs(flat)))).toEqual([{ type: 'session.created', user: body.user.id, session: body.session.id }]);
    await reader.xack(key, GROUP, ...claimed.map(([id]) => id));
    expect((await reader.xpending(key, GROUP))[0]).toBe(0);
  });

  it('writes nothing for anonymous failures: wrong passwords, unknown names, bad tokens', async () => {
    await signUpAndLogIn(service, 'quiet');
    expect(await consume(reader, key, 'mirror-1', 1)).toHaveLength(1);
    for (const username of ['quiet', 'nobody-at-all']) {
      const response = await service.call('POST', '/auth/login', { body: { username, password: 'not the password' } });
      expect(response.status).toBe(401);
    }
    expect((await service.call('POST', '/auth/logout', { token: `tess_${'A'.repeat(44)}` })).status).toBe(401);
    expect(await readGroup(reader, key, 'mirror-1')).toEqual([]);
  });
});

describe('the event stream', () => {
  const suite = useServices(BACKENDS[0]);

  it('never fails the act it records: a login whose event cannot be written still succeeds, and the loss is counted', async () => {
    const prefix = uniquePrefix();
    // A key of the wrong type makes every XADD fail, as a broken stream would.
    await suite.redis.set(new KeySpace(prefix).events(), 'not a stream');
    const service = await suite.serve({ KEY_PREFIX: prefix, EVENT_STREAM: 'on', METRICS_PORT: '0', ...LIFECYCLE_ONLY });
    const { token } = await signUpAndLogIn(service, 'unrecorded');
    expect((await service.call('POST', '/auth/logout', { token })).status).toBe(204);
    expect(sampleValue(await scrape(service.metricsPort!), 'tessera_events_lost_total')).toBe(2);
  });

  it('is off unless EVENT_STREAM is on', async () => {
    const prefix = uniquePrefix();
    const service = await suite.serve({ KEY_PREFIX: prefix });
    await signUpAndLogIn(service, 'unobserved');
    expect(await suite.redis.exists(new KeySpace(prefix).events())).toBe(0);
  });
});
