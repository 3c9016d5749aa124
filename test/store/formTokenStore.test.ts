import type { Cluster, Redis } from 'ioredis';
import { FormTokenStore, type FormScope } from '../../src/store/formTokenStore';
import { KeySpace } from '../../src/store/keys';
import { BACKENDS, uniquePrefix } from '../support/backends';

const TOKEN_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

describe.each(BACKENDS)('spent form tokens ($name)', (backend) => {
  let redis: Redis | Cluster;
  let keys: KeySpace;
  let tokens: FormTokenStore;
  const scope: FormScope = { tag: 'AbCdEfGhIj' };

  beforeAll(async () => {
    redis = await backend.connect();
  });
  beforeEach(() => {
    keys = new KeySpace(uniquePrefix());
    tokens = new FormTokenStore(redis, keys);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('is spent once: the second submission is told it was already spent', async () => {
    expect(await tokens.spend(scope, TOKEN_ID, Date.now() + 60_000)).toBe('spent-now');
    expect(await tokens.spend(scope, TOKEN_ID, Date.now() + 60_000)).toBe('already-spent');
    expect(await tokens.spend(scope, 'BBBBBBBBBBBBBBBBBBBBBB', Date.now() + 60_000)).toBe('spent-now');
  });

  it('is spent by exactly one of many concurrent submissions', async () => {
    const expires = Date.now() + 60_000;
    const results = await Promise.all(Array.from({ length: 20 }, () => tokens.spend(scope, TOKEN_ID, expires)));
    expect(results.filter((r) => r === 'spent-now')).toHaveLength(1);
    expect(results.filter((r) => r === 'already-spent')).toHaveLength(19);
  });

  it('keeps one signing key for the forms, whichever instance asks first', async () => {
    const others = [new FormTokenStore(redis, keys), new FormTokenStore(redis, keys)];
    const [first, ...rest] = await Promise.all([tokens, ...others].map((store) => store.sharedSigningKey()));
    expect(first).toHaveLength(32);
    for (const key of rest) expect(key.equals(first)).toBe(true);
    expect(await redis.pttl(keys.formSigningKey())).toBe(-1);
  });

  it('keeps the spent marker in the user’s hash slot only until the token would have expired', async () => {
    const now = Date.now();
    await tokens.spend(scope, TOKEN_ID, now + 60_000, now);
    const key = keys.formToken(scope.tag, TOKEN_ID);
    expect(key).toContain(`{${scope.tag}}`);
    expect(await redis.pttl(key)).toBeGreaterThan(55_000);
    expect(await redis.pttl(key)).toBeLessThanOrEqual(60_000);
  });

  it('is fresh again after a release, so a form whose action failed can be sent again', async () => {
    const expires = Date.now() + 60_000;
    expect(await tokens.spend(scope, TOKEN_ID, expires)).toBe('spent-now');
    await tokens.release(scope, TOKEN_ID);
    expect(await tokens.spend(scope, TOKEN_ID, expires)).toBe('spent-now');
    expect(await tokens.spend(scope, TOKEN_ID, expires)).toBe('already-spent');
  });
});
