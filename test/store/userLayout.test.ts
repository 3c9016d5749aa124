/**
 * A user's keys as this version lays them out (a routing tag derived from the user id, the
 * session index and known devices in the user hash), and data laid out the earlier way (a stored
 * tag, a sorted-set session index, a known-devices set) still working.
 */
import type { Cluster, Redis } from 'ioredis';
import { SessionService } from '../../src/sessions/sessionService';
import { USER_FIELD } from '../../src/store/fields';
import { derivedRoutingTag, newRoutingTag, parseSessionId } from '../../src/tokens/sessionId';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { KeySpace, userKeysOf } from '../support/keys';

describe.each(BACKENDS)('a user’s keys on $name Redis', (backend) => {
  let redis: Redis | Cluster;
  let prefix: string;
  let keys: KeySpace;

  beforeAll(async () => {
    redis = await backend.connect();
  });
  afterAll(() => redis.quit());
  beforeEach(() => {
    prefix = uniquePrefix();
    keys = new KeySpace(prefix);
  });

  const service = () => new SessionService(redis, { keyPrefix: prefix, slideGranularityMs: 0 });
  const tagOf = (sessionId: string) => parseSessionId(sessionId)!.tag;

  it('gives a user the tag derived from the user id, with no key from user id to tag', async () => {
    const created = await service().create('anna');
    expect(tagOf(created.session.id)).toBe(derivedRoutingTag('anna'));
    expect(await redis.exists(keys.userTag('anna'))).toBe(0);
    expect(await service().revokeAll('anna')).toBe(1);
    expect(await service().validate(created.token)).toBeNull();
  });

  it('keeps the stored tag of a user who had one before tags were derived', async () => {
    const stored = newRoutingTag();
    await redis.set(keys.userTag('bob'), stored);
    await redis.hset(keys.forUser(stored).user, USER_FIELD.userId, 'bob', USER_FIELD.generation, '0');
    const created = await service().create('bob');
    expect(tagOf(created.session.id)).toBe(stored);
    expect(await redis.exists(keys.forUser(derivedRoutingTag('bob')).user)).toBe(0);
    expect((await service().list('bob')).sessions.map((session) => session.id)).toEqual([created.session.id]);
    expect(await service().revokeAll('bob')).toBe(1);
  });

  it('gives a random tag, kept under the user id, to a user whose derived tag another user holds', async () => {
    await redis.hset(keys.forUser(derivedRoutingTag('carl')).user, USER_FIELD.userId, 'someone-else', USER_FIELD.generation, '0');
    const created = await service().create('carl');
    const tag = tagOf(created.session.id);
    expect(tag).not.toBe(derivedRoutingTag('carl'));
    expect(await redis.get(keys.userTag('carl'))).toBe(tag);
    expect((await service().list('carl')).sessions.map((session) => session.id)).toEqual([created.session.id]);
    expect((await service().validate(created.token))!.user.id).toBe('carl');
  });

  it('adopts a session index kept as a sorted set: its sessions stay live, listed and revocable', async () => {
    const sessions = service();
    const first = await sessions.create('dana');
    const second = await sessions.create('dana');
    const user = userKeysOf(prefix, first.session.id);
    // The earlier layout: the index a sorted set of its own, the user hash without it.
    for (const { session } of [first, second]) {
      const localId = parseSessionId(session.id)!.localId;
      const seen = await redis.hget(user.user, USER_FIELD.sessionSeen + localId);
      await redis.hdel(user.user, USER_FIELD.sessionSeen + localId);
      await redis.zadd(user.index, seen!, localId);
    }
    expect((await sessions.validate(first.token))!.session.id).toBe(first.session.id);
    expect(await redis.exists(user.index)).toBe(0);
    expect((await sessions.list('dana')).sessions.map((session) => session.id).sort()).toEqual([first.session.id, second.session.id].sort());
    expect(await sessions.revoke(second.session.id)).toBe(true);
    expect(await sessions.validate(second.token)).toBeNull();
    expect((await sessions.validate(first.token))!.session.id).toBe(first.session.id);
  });

  it('keeps known devices in the user hash, and adopts those kept as a sorted set with longer digests', async () => {
    const sessions = service();
    const device = { device: { type: 'web', name: 'Firefox' }, userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' };
    const first = await sessions.create('fay', device);
    expect(first.newDevice).toBe(true);
    const user = userKeysOf(prefix, first.session.id);
    const [field] = (await redis.hkeys(user.user)).filter((name) => name.startsWith(USER_FIELD.knownDevice));
    expect(await redis.exists(user.knownDevices)).toBe(0);
    // The earlier layout: a sorted set of 22-character digests, whose first characters are today's.
    const digest = field.slice(USER_FIELD.knownDevice.length);
    await redis.hdel(user.user, field);
    await redis.zadd(user.knownDevices, Date.now(), `${digest}AbCdEf`);
    expect((await sessions.create('fay', device)).newDevice).toBe(false);
    expect(await redis.exists(user.knownDevices)).toBe(0);
    expect((await sessions.create('fay', { ...device, device: { type: 'web', name: 'Other' } })).newDevice).toBe(true);
  });

  it('forgets every known device a year after the user’s last login', async () => {
    const sessions = service();
    const device = { device: { type: 'ios', name: 'Phone' } };
    const first = await sessions.create('gus', device);
    const user = userKeysOf(prefix, first.session.id);
    const [field] = (await redis.hkeys(user.user)).filter((name) => name.startsWith(USER_FIELD.knownDevice));
    await redis.hset(user.user, field, Date.now() - 366 * 24 * 60 * 60 * 1000);
    expect((await sessions.create('gus', device)).newDevice).toBe(true);
    expect((await sessions.create('gus', device)).newDevice).toBe(false);
  });

  it('ends every session indexed as a sorted set on revoke-all', async () => {
    const sessions = service();
    const created = await sessions.create('erin');
    const user = userKeysOf(prefix, created.session.id);
    const localId = parseSessionId(created.session.id)!.localId;
    await redis.hdel(user.user, USER_FIELD.sessionSeen + localId);
    await redis.zadd(user.index, Date.now(), localId);
    expect(await sessions.revokeAll('erin')).toBe(1);
    expect(await sessions.validate(created.token)).toBeNull();
  });
});
