import { registerScripts } from '../../src/store/scripts';
import { SESSION_FIELD } from '../../src/store/fields';
import { hashSecret, parseToken } from '../../src/tokens/token';
import { BACKENDS } from '../support/backends';
import { userKeysOf } from '../support/keys';
import { signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';

describe.each(BACKENDS)('the token check’s reply on $name Redis', (backend) => {
  const suite = useService(backend);

  it('carries the session’s fields but never its secret hash or generation', async () => {
    const { token, body } = await signUpAndLogIn(suite.service, 'hot-path');
    const parsed = parseToken(token)!;
    const keys = userKeysOf(suite.prefix, body.session.id);
    const { localId } = parsed;
    const stored = await suite.redis.hgetall(keys.session(localId));
    expect(Object.keys(stored)).toEqual(expect.arrayContaining([SESSION_FIELD.secretHash, SESSION_FIELD.generation, SESSION_FIELD.created]));

    const reply = (await registerScripts(suite.redis).tessera_touch(
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
