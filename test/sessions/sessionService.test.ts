import type { Cluster, Redis } from 'ioredis';
import { SessionService } from '../../src/sessions/sessionService';
import type { TesseraOptions } from '../../src/options';
import { USER_FIELD } from '../../src/store/fields';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { keysWithPrefix, mastersOf } from '../support/redisInspect';
import { sessionKeyOf, userKeysOf } from '../support/keys';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(BACKENDS)('session service on $name Redis', (backend) => {
  let redis: Redis | Cluster;
  let prefix: string;

  beforeAll(async () => {
    redis = await backend.connect();
  });
  afterAll(() => redis.quit());
  beforeEach(() => {
    prefix = uniquePrefix();
  });

  const service = (options: TesseraOptions = {}) => new SessionService(redis, { keyPrefix: prefix, ...options });

  it('creates a session whose token validates and names its user', async () => {
    const sessions = service();
    const { token, session } = await sessions.create('user-1', {
      device: { type: 'iOS', name: "Anna's iPhone" },
      ip: '203.0.113.7',
      userAgent: 'TestAgent/1.0',
    });
    expect(token).toMatch(/^tess_[0-9A-Za-z]{54}$/);
    const validation = await sessions.validate(token);
    expect(validation?.user).toEqual({ id: 'user-1', roles: [], name: null });
    expect(validation?.session).toMatchObject({
      id: session.id,
      userId: 'user-1',
      device: { type: 'ios', name: "Anna's iPhone" },
      ip: '203.0.113.7',
      userAgent: 'TestAgent/1.0',
    });
  });

  it('keeps only a hash of the secret, so no stored value rebuilds the token', async () => {
    const sessions = service();
    const { token } = await sessions.create('user-1');
    const secret = token.slice(-32);
    const dump: string[] = [];
    for (const key of await keysWithPrefix(redis, prefix)) {
      const type = await redis.type(key);
      if (type === 'hash') dump.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'string') dump.push((await redis.get(key)) ?? '');
      else if (type === 'zset') dump.push((await redis.zrange(key, 0, -1)).join(','));
    }
    expect(dump.join('\n')).not.toContain(secret);
  });

  it('refuses a token with the right id but a wrong secret, and leaves the session alive', async () => {
    const sessions = service();
    const { token } = await sessions.create('user-1');
    const forged = token.slice(0, -32) + 'A'.repeat(32);
    expect(await sessions.validate(forged)).toBeNull();
    expect(await sessions.validate(token)).not.toBeNull();
  });

  it('refuses malformed and over-long tokens', async () => {
    const sessions = service();
    const { token } = await sessions.create('user-1');
    for (const bad of ['', 'garbage', `${token}x`, token.slice(0, -1), token.replace('tess_', 'jwt__'), `${token.slice(0, -1)}!`]) {
      expect(await sessions.validate(bad)).toBeNull();
    }
  });

  it('slides the idle expiry on every validation, never past the absolute lifetime', async () => {
    const sessions = service({ idleTimeoutSeconds: 60, absoluteLifetimeSeconds: 90, slideGranularityMs: 0 });
    const { token, session } = await sessions.create('user-1');
    const key = sessionKeyOf(prefix, session.id);
    await redis.pexpire(key, 5_000);
    const validation = await sessions.validate(token);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(validation!.session.expiresAt.getTime() - validation!.session.lastSeenAt.getTime()).toBe(60_000);
    expect(validation!.session.absoluteExpiresAt.getTime() - validation!.session.createdAt.getTime()).toBe(90_000);
  });

  it('caps the sliding expiry at the absolute lifetime', async () => {
    const sessions = service({ idleTimeoutSeconds: 60, absoluteLifetimeSeconds: 61 });
    const { token } = await sessions.create('user-1');
    await sleep(1100);
    const validation = await sessions.validate(token);
    expect(validation!.session.expiresAt.getTime()).toBe(validation!.session.absoluteExpiresAt.getTime());
  });

  it('applies a shortened absolute lifetime to sessions that already exist', async () => {
    const { token } = await service({ absoluteLifetimeSeconds: 3600 }).create('user-1');
    await sleep(1100);
    // The same sessions, served by an instance restarted with a 1 s absolute lifetime.
    expect(await service({ idleTimeoutSeconds: 1, absoluteLifetimeSeconds: 1 }).validate(token)).toBeNull();
  });

  it('applies a shortened idle timeout to sessions that already exist', async () => {
    const { token } = await service({ idleTimeoutSeconds: 3600 }).create('user-1');
    await sleep(1100);
    expect(await service({ idleTimeoutSeconds: 1 }).validate(token)).toBeNull();
    expect(await service({ idleTimeoutSeconds: 3600 }).validate(token)).toBeNull();
  });

  it('changes nothing when the session to keep has ended meanwhile', async () => {
    const sessions = service();
    const kept = await sessions.create('user-1');
    const other = await sessions.create('user-1');
    await sessions.revoke(kept.session.id);
    await expect(sessions.revokeAll('user-1', { exceptSessionId: kept.session.id })).rejects.toMatchObject({ status: 401 });
    expect(await sessions.validate(other.token)).not.toBeNull();
  });

  it('does not count a session past its absolute lifetime against the limit', async () => {
    const sessions = service({ idleTimeoutSeconds: 2, absoluteLifetimeSeconds: 2, maxSessionsPerUser: 1 });
    const old = await sessions.create('user-1');
    await sleep(1500);
    // Seen recently, so its index entry is not idle; but its key dies at the absolute lifetime.
    expect(await sessions.validate(old.token)).not.toBeNull();
    await sleep(700);
    const fresh = await sessions.create('user-1');
    expect(fresh.endedSessionIds).toEqual([]);
    expect((await sessions.list('user-1')).sessions.map((s) => s.id)).toEqual([fresh.session.id]);
  });

  it('ends one session on revoke and leaves the others', async () => {
    const sessions = service();
    const a = await sessions.create('user-1');
    const b = await sessions.create('user-1');
    expect(await sessions.revoke(a.session.id)).toBe(true);
    expect(await sessions.revoke(a.session.id)).toBe(false);
    expect(await sessions.validate(a.token)).toBeNull();
    expect(await sessions.validate(b.token)).not.toBeNull();
  });

  it('ends every session of a user on revokeAll, and only that user’s', async () => {
    const sessions = service();
    const mine = await Promise.all(Array.from({ length: 25 }, () => sessions.create('user-1')));
    const theirs = await sessions.create('user-2');
    expect(await sessions.revokeAll('user-1')).toBe(25);
    for (const { token } of mine) expect(await sessions.validate(token)).toBeNull();
    expect(await sessions.validate(theirs.token)).not.toBeNull();
    expect((await sessions.list('user-1')).sessions).toEqual([]);
    const fresh = await sessions.create('user-1');
    expect(await sessions.validate(fresh.token)).not.toBeNull();
  });

  it('keeps the named session on revokeAll with an exception', async () => {
    const sessions = service();
    const keep = await sessions.create('user-1');
    const other = await sessions.create('user-1');
    expect(await sessions.revokeAll('user-1', { exceptSessionId: keep.session.id })).toBe(1);
    expect(await sessions.validate(keep.token)).not.toBeNull();
    expect(await sessions.validate(other.token)).toBeNull();
    expect((await sessions.list('user-1')).sessions.map((s) => s.id)).toEqual([keep.session.id]);
  });

  it('refuses to revoke a session for a user who does not own it', async () => {
    const sessions = service();
    const anna = await sessions.create('anna');
    await sessions.create('bob');
    expect(await sessions.revokeOwn('bob', anna.session.id)).toBe(false);
    expect(await sessions.validate(anna.token)).not.toBeNull();
    expect(await sessions.revokeOwn('anna', anna.session.id)).toBe(true);
  });

  it('lists a user’s live sessions with their metadata', async () => {
    const sessions = service();
    const a = await sessions.create('user-1', { device: { type: 'web' }, userAgent: 'A' });
    const b = await sessions.create('user-1', { device: { type: 'android', name: 'Pixel' }, ip: '::1' });
    const listed = (await sessions.list('user-1')).sessions;
    expect(listed.map((s) => s.id).sort()).toEqual([a.session.id, b.session.id].sort());
    expect(listed.find((s) => s.id === b.session.id)).toMatchObject({ device: { type: 'android', name: 'Pixel' }, ip: '::1' });
    expect((await sessions.list('nobody')).sessions).toEqual([]);
  });

  it('leaves nothing of expired sessions behind but the user’s own small hash, with its known devices', async () => {
    const sessions = service({ idleTimeoutSeconds: 1, absoluteLifetimeSeconds: 10 });
    const [first] = await Promise.all([sessions.create('user-1'), sessions.create('user-1'), sessions.create('user-1')]);
    await sleep(1300);
    expect((await sessions.list('user-1')).sessions).toEqual([]);
    const user = userKeysOf(prefix, first.session.id);
    expect(await keysWithPrefix(redis, prefix)).toEqual([user.user]);
    const fields = await redis.hkeys(user.user);
    expect(fields.filter((field) => field.startsWith(USER_FIELD.sessionSeen))).toEqual([]);
    expect(fields.filter((field) => field.startsWith(USER_FIELD.knownDevice))).toHaveLength(1);
  });

  it('never leaves more live sessions than maxSessionsPerUser, even under 200 concurrent logins', async () => {
    const sessions = service({ maxSessionsPerUser: 3 });
    const created = await Promise.all(Array.from({ length: 200 }, () => sessions.create('user-1')));
    const listed = (await sessions.list('user-1')).sessions;
    expect(listed).toHaveLength(3);
    const valid = (await Promise.all(created.map((c) => sessions.validate(c.token)))).filter(Boolean);
    expect(valid).toHaveLength(3);
    const sessionKeys = await keysWithPrefix(redis, userKeysOf(prefix, created[0].session.id).sessionPrefix);
    expect(sessionKeys).toHaveLength(3);
  });

  it('ends the least recently used session when a new login exceeds the limit', async () => {
    const sessions = service({ maxSessionsPerUser: 2, slideGranularityMs: 0 });
    const first = await sessions.create('user-1');
    const second = await sessions.create('user-1');
    await sleep(5);
    await sessions.validate(first.token);
    const third = await sessions.create('user-1');
    expect(third.endedSessionIds).toEqual([second.session.id]);
    expect(await sessions.validate(second.token)).toBeNull();
    expect(await sessions.validate(first.token)).not.toBeNull();
  });

  it('keeps one session per device type when asked to', async () => {
    const sessions = service({ oneSessionPerDeviceType: true });
    const oldPhone = await sessions.create('user-1', { device: { type: 'ios' } });
    const laptop = await sessions.create('user-1', { device: { type: 'web' } });
    const newPhone = await sessions.create('user-1', { device: { type: 'ios' } });
    expect(newPhone.endedSessionIds).toEqual([oldPhone.session.id]);
    expect(await sessions.validate(oldPhone.token)).toBeNull();
    expect(await sessions.validate(laptop.token)).not.toBeNull();
    expect(await sessions.validate(newPhone.token)).not.toBeNull();
  });

  it('keeps one session per device type under 50 concurrent logins from the same kind of device', async () => {
    const sessions = service({ oneSessionPerDeviceType: true });
    await Promise.all(Array.from({ length: 50 }, () => sessions.create('user-1', { device: { type: 'ios' } })));
    expect((await sessions.list('user-1')).sessions).toHaveLength(1);
  });

  it('persists attributes set by concurrent requests on the same session', async () => {
    const sessions = service();
    const { token, session } = await sessions.create('user-1');
    const [first, second] = await Promise.all([sessions.validate(token), sessions.validate(token)]);
    await Promise.all([first!.session.set('cart', { items: 2 }), second!.session.set('theme', 'dark')]);
    const after = await sessions.validate(token);
    expect(after!.session.allAttributes()).toEqual({ cart: { items: 2 }, theme: 'dark' });
    await after!.session.delete('cart');
    expect((await sessions.validate(token))!.session.allAttributes()).toEqual({ theme: 'dark' });
    expect(session.id).toBe(after!.session.id);
  });

  it('lets concurrent first writers of an attribute agree on one value when asked to', async () => {
    const sessions = service();
    const { token } = await sessions.create('user-1');
    const [first, second] = await Promise.all([sessions.validate(token), sessions.validate(token)]);
    const agreed = await Promise.all([first!.session.setIfAbsent('csrf', 'one'), second!.session.setIfAbsent('csrf', 'two')]);
    expect(agreed[0]).toBe(agreed[1]);
    expect((await sessions.validate(token))!.session.get('csrf')).toBe(agreed[0]);
  });

  it('does not bring a revoked session back by setting an attribute', async () => {
    const sessions = service();
    const { token, session } = await sessions.create('user-1');
    const validation = await sessions.validate(token);
    await sessions.revoke(session.id);
    await validation!.session.set('late', true);
    expect(await keysWithPrefix(redis, userKeysOf(prefix, session.id).sessionPrefix)).toEqual([]);
  });

  it('refuses attributes over the size and count limits', async () => {
    const sessions = service({ maxAttributeBytes: 32, maxAttributes: 2 });
    const { token, session } = await sessions.create('user-1');
    await expect(sessions.setAttribute(session.id, 'big', 'x'.repeat(64))).rejects.toMatchObject({ status: 400 });
    await sessions.setAttribute(session.id, 'a', 1);
    await sessions.setAttribute(session.id, 'b', 2);
    await expect(sessions.setAttribute(session.id, 'c', 3)).rejects.toMatchObject({ status: 400 });
    // At the count limit, an attribute already there can still be overwritten.
    await sessions.setAttribute(session.id, 'a', 10);
    expect((await sessions.validate(token))!.session.allAttributes()).toEqual({ a: 10, b: 2 });
  });

  it('shows a role change on the very next validation', async () => {
    const sessions = service();
    const { token } = await sessions.create('user-1');
    await sessions.setRoles('user-1', ['admin']);
    expect((await sessions.validate(token))!.user.roles).toEqual(['admin']);
    await sessions.setRoles('user-1', []);
    expect((await sessions.validate(token))!.user.roles).toEqual([]);
  });

  it('keeps working after Redis forgets its scripts (NOSCRIPT)', async () => {
    const sessions = service();
    const { token } = await sessions.create('user-1');
    await Promise.all((await mastersOf(redis)).map((node) => node.script('FLUSH')));
    expect(await sessions.validate(token)).not.toBeNull();
  });
});
