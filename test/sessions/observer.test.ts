import type { Redis } from 'ioredis';
import type { RevocationKind, SessionObserver, TokenCheckOutcome } from '../../src/sessions/observer';
import { createTessera } from '../../src/sessions/sessionService';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { startPrivateRedis } from '../support/privateRedis';

/** An observer of the library's own hooks, with no metrics library involved. */
function recorder(): SessionObserver & { checks: [TokenCheckOutcome, boolean][]; revoked: [RevocationKind, number][] } {
  const checks: [TokenCheckOutcome, boolean][] = [];
  const revoked: [RevocationKind, number][] = [];
  return {
    checks,
    revoked,
    tokenChecked: (outcome, touchSeconds) => checks.push([outcome, touchSeconds !== null && touchSeconds > 0]),
    sessionsRevoked: (kind, count) => revoked.push([kind, count]),
  };
}

describe('the session service’s observer hooks', () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = (await BACKENDS[0].connect()) as Redis;
  });
  afterAll(() => redis.quit());

  it('reports each token check’s outcome with its touch time, and each revocation by kind', async () => {
    const observer = recorder();
    const tessera = createTessera(redis, { keyPrefix: uniquePrefix(), observer, maxSessionsPerUser: 2 });
    const a = await tessera.create('observed');
    const b = await tessera.create('observed');
    expect(await tessera.validate(a.token)).not.toBeNull();
    expect(await tessera.validate('tess_malformed')).toBeNull();
    await tessera.revoke(b.session.id);
    expect(await tessera.validate(b.token)).toBeNull();
    await tessera.create('observed');
    await tessera.create('observed'); // over the limit of 2: ends the least recently used
    await tessera.revokeAll('observed', { exceptSessionId: (await tessera.list('observed')).sessions[1].id });
    await tessera.ban('observed');
    expect(observer.checks).toEqual([
      ['valid', true],
      ['invalid', false],
      ['invalid', true],
    ]);
    expect(observer.revoked).toEqual([
      ['session', 1],
      ['replaced', 1],
      ['others', 1],
      ['ban', 1],
    ]);
  });

  it('reports a check Redis did not answer as unavailable', async () => {
    const privateRedis = await startPrivateRedis();
    try {
      const observer = recorder();
      const tessera = createTessera(privateRedis.redis, { observer });
      const { token } = await tessera.create('stranded');
      await privateRedis.server.stop();
      await expect(tessera.validate(token)).rejects.toMatchObject({ status: 503 });
      expect(observer.checks).toEqual([['unavailable', false]]);
    } finally {
      await privateRedis.destroy();
    }
  });
});
