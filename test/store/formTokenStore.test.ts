import type { Cluster, Redis } from 'ioredis';
import { FormTokenStore, type FormScope } from '../../src/store/formTokenStore';
import { KeySpace } from '../../src/store/keys';
import { BACKENDS, uniquePrefix } from '../support/backends';

const ACTION = '/account/sign-out-others  ';

describe.each(BACKENDS)('one-time form tokens ($name)', (backend) => {
  let redis: Redis | Cluster;
  let keys: KeySpace;
  let tokens: FormTokenStore;
  const scope: FormScope = { tag: 'AbCdEfGhIj', sessionLocalId: 'localSession1' };

  beforeAll(async () => {
    redis = await backend.connect();
  });
  beforeEach(() => {
    keys = new KeySpace(uniquePrefix());
    tokens = new FormTokenStore(redis, keys, 60_000);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('is spent once; a replay is told apart from an unknown token', async () => {
    const id = await tokens.issue(scope);
    expect(await tokens.spend(scope, id, ACTION)).toBe('spent-now');
    expect(await tokens.spend(scope, id, ACTION)).toBe('already-spent');
    expect(await tokens.spend(scope, 'AAAAAAAAAAAAAAAAAAAAAA', ACTION)).toBe('unknown');
    expect(await tokens.spend(scope, 'not a token', ACTION)).toBe('unknown');
  });

  it('spent for one form, tells another form of the same page to reload rather than that it was done', async () => {
    const id = await tokens.issue(scope);
    expect(await tokens.spend(scope, id, '/account/sessions/AAA/revoke  ')).toBe('spent-now');
    expect(await tokens.spend(scope, id, '/account/sessions/BBB/revoke  ')).toBe('unknown');
    expect(await tokens.spend(scope, id, '/account/sessions/AAA/revoke  ')).toBe('already-spent');
  });

  it('is spent by exactly one of many concurrent submissions', async () => {
    const id = await tokens.issue(scope);
    const results = await Promise.all(Array.from({ length: 20 }, () => tokens.spend(scope, id, ACTION)));
    expect(results.filter((r) => r === 'spent-now')).toHaveLength(1);
    expect(results.filter((r) => r === 'already-spent')).toHaveLength(19);
  });

  it('belongs to one session: another session cannot spend it', async () => {
    const id = await tokens.issue(scope);
    expect(await tokens.spend({ ...scope, sessionLocalId: 'otherSession' }, id, ACTION)).toBe('unknown');
    expect(await tokens.spend(scope, id, ACTION)).toBe('spent-now');
  });

  it('keeps one signing key for signed-out forms, whichever instance asks first', async () => {
    const others = [new FormTokenStore(redis, keys, 60_000), new FormTokenStore(redis, keys, 60_000)];
    const [first, ...rest] = await Promise.all([tokens, ...others].map((store) => store.sharedSigningKey()));
    expect(first).toHaveLength(32);
    for (const key of rest) expect(key.equals(first)).toBe(true);
    expect(await redis.pttl(keys.formSigningKey())).toBe(-1);
  });

  it('lives in the user’s hash slot and expires with its TTL, spent or not', async () => {
    const id = await tokens.issue(scope);
    const key = keys.formToken(scope!.tag, id);
    expect(key).toContain(`{${scope!.tag}}`);
    expect(await redis.pttl(key)).toBeGreaterThan(55_000);
    await tokens.spend(scope, id, ACTION);
    expect(await redis.pttl(key)).toBeGreaterThan(55_000);
    const short = new FormTokenStore(redis, keys, 300);
    const fleeting = await short.issue(scope);
    expect(await redis.pttl(keys.formToken(scope!.tag, fleeting))).toBeLessThanOrEqual(300);
  });

  it('is fresh again after a release, so a form whose action failed can be sent again', async () => {
    const id = await tokens.issue(scope);
    await tokens.release(scope, id, ACTION); // not spent: nothing to undo
    expect(await tokens.spend(scope, id, ACTION)).toBe('spent-now');
    await tokens.release(scope, id, ACTION);
    expect(await tokens.spend(scope, id, ACTION)).toBe('spent-now');
    expect(await tokens.spend(scope, id, ACTION)).toBe('already-spent');
  });
});
