/**
 * What a DBSC renewal costs the service, on real standalone Redis and a real Cluster: a session's
 * public key is read and imported once, then kept in memory (bounded, least recently renewed out
 * first), and a refresh without a proof, or over none of the session's challenges, reads nothing.
 */
import type { Cluster, Redis } from 'ioredis';
import { DeviceProofRequiredError, DeviceSessionEndedError, InvalidDeviceProofError } from '../../src/errors';
import { resolveTesseraOptions } from '../../src/options';
import { DeviceBinding } from '../../src/sessions/deviceBinding';
import { SessionService } from '../../src/sessions/sessionService';
import { SessionStore } from '../../src/store/sessionStore';
import { CHALLENGE_BUCKET_MS, DeviceChallenges } from '../../src/tokens/deviceChallenge';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { DbscKey } from '../support/dbsc';

const ADDRESS = '198.51.100.4';

describe.each(BACKENDS)('a device binding on $name Redis', (backend) => {
  let redis: Redis | Cluster;

  beforeAll(async () => {
    redis = await backend.connect();
  });
  afterAll(() => redis.quit());

  function parts(keyCacheSize?: number) {
    const store = new SessionStore(redis, resolveTesseraOptions({ keyPrefix: uniquePrefix() }));
    let nowMs = Date.now();
    const challenges = new DeviceChallenges(
      () => Promise.resolve(Buffer.alloc(32, 7)),
      () => nowMs,
    );
    // The clock of the challenges, moved on by a minute: one bucket.
    const nextMinute = () => {
      nowMs += CHALLENGE_BUCKET_MS;
    };
    return {
      store,
      challenges,
      nextMinute,
      sessions: new SessionService(store),
      binding: new DeviceBinding(store, { challenges, windowSeconds: 60, keyCacheSize }),
    };
  }
  type Parts = ReturnType<typeof parts>;

  async function boundSession(on: Parts): Promise<{ sessionId: string; key: DbscKey }> {
    const { token, session } = await on.sessions.create('user-1', {});
    const key = new DbscKey();
    const { challenge } = (await on.binding.registrationChallenge(token))!;
    await on.binding.register(token, key.proof({ jti: challenge }, true), ADDRESS);
    return { sessionId: session.id, key };
  }

  const renew = async (on: Parts, session: { sessionId: string; key: DbscKey }) =>
    on.binding.renew(session.sessionId, session.key.proof({ jti: await on.challenges.issue('refresh', session.sessionId) }, false), ADDRESS);

  it('reads and imports a session’s key once, and verifies later renewals with the key kept in memory', async () => {
    const on = parts();
    const session = await boundSession(on);
    const reads = jest.spyOn(on.store, 'deviceKey');
    for (let i = 0; i < 3; i += 1) await expect(renew(on, session)).resolves.toMatchObject({ token: expect.any(String) });
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('keeps no more keys than its cache size, the least recently renewed going first', async () => {
    const on = parts(1);
    const first = await boundSession(on);
    const second = await boundSession(on);
    const reads = jest.spyOn(on.store, 'deviceKey');
    await renew(on, first);
    await renew(on, first);
    expect(reads).toHaveBeenCalledTimes(1);
    await renew(on, second);
    await renew(on, first);
    expect(reads).toHaveBeenCalledTimes(3);
  });

  it('reads nothing for a refresh without a proof, or with a proof over none of the session’s challenges', async () => {
    const on = parts();
    const session = await boundSession(on);
    const reads = jest.spyOn(on.store, 'deviceKey');
    const renewals = jest.spyOn(on.store, 'renewDeviceBinding');
    await expect(on.binding.renew(session.sessionId, null, ADDRESS)).rejects.toBeInstanceOf(DeviceProofRequiredError);
    const otherChallenge = await on.challenges.issue('refresh', (await boundSession(on)).sessionId);
    await expect(on.binding.renew(session.sessionId, session.key.proof({ jti: otherChallenge }, false), ADDRESS)).rejects.toBeInstanceOf(
      DeviceProofRequiredError,
    );
    expect(reads).not.toHaveBeenCalled();
    expect(renewals).not.toHaveBeenCalled();
  });

  it('renews a session twice at one instant, each time over a challenge of its own, and refuses a challenge spent', async () => {
    const on = parts();
    const session = await boundSession(on);
    const first = await on.challenges.issue('refresh', session.sessionId);
    const second = await on.challenges.issue('refresh', session.sessionId);
    expect(second).not.toBe(first);
    const proofOver = (challenge: string) => session.key.proof({ jti: challenge }, false);
    await expect(on.binding.renew(session.sessionId, proofOver(first), ADDRESS)).resolves.toMatchObject({ token: expect.any(String) });
    await expect(on.binding.renew(session.sessionId, proofOver(second), ADDRESS)).resolves.toMatchObject({ token: expect.any(String) });
    const refused = await on.binding.renew(session.sessionId, proofOver(first), ADDRESS).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DeviceProofRequiredError);
    const fresh = /^"([^"]+)"/.exec((refused as DeviceProofRequiredError).headers['Secure-Session-Challenge'])![1];
    expect(fresh).not.toBe(first);
    await expect(on.binding.renew(session.sessionId, proofOver(fresh), ADDRESS)).resolves.toMatchObject({ token: expect.any(String) });
  });

  it('binds no key over a lapsed start challenge, nor without a proof, and hands out no new one', async () => {
    const on = parts();
    const { token } = await on.sessions.create('user-1', {});
    const { challenge } = (await on.binding.registrationChallenge(token))!;
    on.nextMinute();
    on.nextMinute();
    const key = new DbscKey();
    await expect(on.binding.register(token, key.proof({ jti: challenge }, true), ADDRESS)).rejects.toBeInstanceOf(InvalidDeviceProofError);
    await expect(on.binding.register(token, null, ADDRESS)).rejects.toBeInstanceOf(InvalidDeviceProofError);
  });

  it('binds no key to a session ended between its token check and the binding, and brings none back', async () => {
    const on = parts();
    const { token } = await on.sessions.create('user-1', {});
    const key = new DbscKey();
    const { challenge } = (await on.binding.registrationChallenge(token))!;
    // Logout everywhere lands while the start request, past its token check, verifies the proof.
    await on.sessions.revokeAll('user-1');
    await expect(on.binding.register(token, key.proof({ jti: challenge }, true), ADDRESS)).rejects.toBeInstanceOf(DeviceSessionEndedError);
    expect(await on.sessions.validate(token)).toBeNull();
    expect((await on.sessions.list('user-1')).sessions).toEqual([]);
  });
});
