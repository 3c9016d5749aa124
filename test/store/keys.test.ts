import type { Cluster } from 'ioredis';
import { KeySpace } from '../../src/store/keys';
import { BACKENDS, uniquePrefix } from '../support/backends';

describe('the key space', () => {
  let cluster: Cluster;
  const slotOf = async (key: string) => Number(await cluster.call('CLUSTER', 'KEYSLOT', key));

  beforeAll(async () => {
    cluster = (await BACKENDS[1].connect()) as Cluster;
  });
  afterAll(() => cluster.quit());

  it('versions every key under the prefix', () => {
    const keys = new KeySpace('app');
    const user = keys.forUser('AbCdEfGhIj');
    for (const key of [
      keys.userTag('u1'),
      keys.username('anna'),
      keys.directory(),
      keys.admins(),
      keys.bans(),
      keys.audit(),
      keys.signInAudit(),
      keys.events(),
      keys.formSigningKey(),
      user.user,
      user.index,
      user.session('local'),
      keys.formToken('AbCdEfGhIj', 'token'),
      keys.idempotency('AbCdEfGhIj', 'key'),
      keys.addressIdempotency('address', 'key'),
      user.knownDevices,
    ]) {
      expect(key.startsWith('app:v1:')).toBe(true);
    }
  });

  it('puts every key of one user in one Cluster hash slot, and users apart', async () => {
    const keys = new KeySpace(uniquePrefix());
    const anna = keys.forUser('AbCdEfGhIj');
    const slots = await Promise.all(
      [
        anna.user,
        anna.index,
        anna.session('one'),
        keys.session('AbCdEfGhIj', 'two'),
        keys.formToken('AbCdEfGhIj', 'f'),
        anna.family('fam'),
        anna.spentRefreshes('fam'),
        anna.knownDevices,
        keys.idempotency('AbCdEfGhIj', 'key'),
      ].map(slotOf),
    );
    expect(new Set(slots).size).toBe(1);
    // The prefix of the session keys is what the scripts complete with a local id.
    expect(anna.session('one')).toBe(`${anna.sessionPrefix}one`);
    const otherUsers = await Promise.all(['KlMnOpQrSt', 'uVwXyZ0123'].map((tag) => slotOf(keys.forUser(tag).user)));
    expect(otherUsers).not.toContain(slots[0]);
  });
});
