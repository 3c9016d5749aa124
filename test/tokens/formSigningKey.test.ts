import { randomBytes } from 'node:crypto';
import { cachedFormKey } from '../../src/tokens/formSigningKey';

describe('the form signing key', () => {
  it('is asked for again after a failed fetch, and only once after a good one', async () => {
    const key = randomBytes(32);
    let calls = 0;
    const flaky = cachedFormKey(async () => {
      calls += 1;
      if (calls === 1) throw new Error('store unavailable');
      return key;
    });
    await expect(flaky()).rejects.toThrow('store unavailable');
    expect(await flaky()).toBe(key);
    expect(await flaky()).toBe(key);
    expect(calls).toBe(2);
  });
});
