import { randomBytes } from 'node:crypto';
import { SignedOutFormTokens } from '../../src/tokens/signedOutFormToken';

describe('signed-out form tokens', () => {
  const key = randomBytes(32);
  let now = 1_800_000_000_000;
  const tokens = new SignedOutFormTokens(
    async () => key,
    60_000,
    () => now,
  );

  it('are accepted for their own form until they expire', async () => {
    const token = await tokens.issue('/login');
    expect(await tokens.check(token, '/login')).toBe(true);
    now += 59_999;
    expect(await tokens.check(token, '/login')).toBe(true);
    now += 1;
    expect(await tokens.check(token, '/login')).toBe(false);
  });

  it('are refused for another form, under another key, or altered in any way', async () => {
    const token = await tokens.issue('/login');
    expect(await tokens.check(token, '/register')).toBe(false);
    expect(
      await new SignedOutFormTokens(
        async () => randomBytes(32),
        60_000,
        () => now,
      ).check(token, '/login'),
    ).toBe(false);
    const [expires, mac] = token.split('.');
    const later = (parseInt(expires, 36) + 3_600_000).toString(36);
    for (const forged of [`${later}.${mac}`, `${expires}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, '', 'x', `${expires}.`, `${token}x`]) {
      expect(await tokens.check(forged, '/login')).toBe(false);
    }
  });

  it('are accepted by every instance that shares the key', async () => {
    const other = new SignedOutFormTokens(
      async () => Buffer.from(key),
      60_000,
      () => now,
    );
    expect(await other.check(await tokens.issue('/register'), '/register')).toBe(true);
  });
});
