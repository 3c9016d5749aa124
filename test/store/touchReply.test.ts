import type { Cluster, Redis } from 'ioredis';
import { registerScripts } from '../../src/store/scripts';
import { SESSION_FIELD } from '../../src/store/fields';
import { hashSecret, parseToken } from '../../src/tokens/token';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { userKeysOf } from '../support/keys';
import { signUpAndLogIn, startTestService, type TestService } from '../support/service';

describe.each(BACKENDS)('the token check’s reply on $name Redis', (backend) => {
  let redis: Redis | Cluster;
  let service: TestService;
  let prefix: string;

  beforeAll(async () => {
    redis = await backend.connect();
    prefix = uniquePrefix();
    service = await startTestService(redis, { KEY_PREFIX: prefix });
  });
  afterAll(async () => {
    await service.close();
    await redis.quit();
  });

  it('carries the session’s fields but never its secret hash or generation', async () => {
    const { token, body } = await signUpAndLogIn(service, 'hot-path');
    const parsed = parseToken(token)!;
    const keys = userKeysOf(prefix, body.session.id);
    const { localId } = parsed;
    const stored = await redis.hgetall(keys.session(localId));
    expect(Object.keys(stored)).toEqual(expect.arrayContaining([SESSION_FIELD.secretHash, SESSION_FIELD.generation, SESSION_FIELD.created]));

    const reply = (await registerScripts(redis).tessera_touch(
      keys.session(localId),
      keys.user,
      keys.index,
      hashSecret(parsed.secret),
      60_000,
      3_600_000,
      localId,
      keys.familyPrefix,
      0,
    )) as unknown[];
    const pairs = reply[6] as string[];
    const names = pairs.filter((_, i) => i % 2 === 0);
    expect(names).toContain(SESSION_FIELD.created);
    expect(names).not.toContain(SESSION_FIELD.secretHash);
    expect(names).not.toContain(SESSION_FIELD.generation);
    expect(pairs.length).toBe((Object.keys(stored).length - 2) * 2);
  });
});
