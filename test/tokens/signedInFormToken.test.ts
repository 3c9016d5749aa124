import { randomBytes } from 'node:crypto';
import { formAction, SignedInFormTokens } from '../../src/tokens/signedInFormToken';

describe('signed-in form tokens', () => {
  const key = randomBytes(32);
  let now = 1_800_000_000_000;
  const tokens = new SignedInFormTokens(
    async () => key,
    60_000,
    () => now,
  );
  const session = 'AbCdEfGhIjklmnopqrstuv';
  const action = formAction('/account/sign-out-others');

  it('are accepted for their own session and form until they expire', async () => {
    const token = (await tokens.signer(session))(action);
    const checked = await tokens.check(token, session, action);
    expect(checked).toEqual({ id: token.split('.')[1], expiresAtMs: now + 60_000 });
    now += 59_999;
    expect(await tokens.check(token, session, action)).not.toBeNull();
    now += 1;
    expect(await tokens.check(token, session, action)).toBeNull();
  });

  it('are refused for another session, another form, another target, or under another key', async () => {
    const sign = await tokens.signer(session);
    const token = sign(formAction('/admin/do/revoke-session', { userId: 'u1', sessionId: 's1' }));
    expect(await tokens.check(token, session, formAction('/admin/do/revoke-session', { userId: 'u1', sessionId: 's1' }))).not.toBeNull();
    expect(await tokens.check(token, 'ZzZzZzZzZzklmnopqrstuv', formAction('/admin/do/revoke-session', { userId: 'u1', sessionId: 's1' }))).toBeNull();
    expect(await tokens.check(token, session, formAction('/admin/do/revoke-session', { userId: 'u1', sessionId: 's2' }))).toBeNull();
    expect(await tokens.check(token, session, formAction('/admin/do/revoke-all', { userId: 'u1' }))).toBeNull();
    const elsewhere = new SignedInFormTokens(
      async () => randomBytes(32),
      60_000,
      () => now,
    );
    expect(await elsewhere.check(token, session, formAction('/admin/do/revoke-session', { userId: 'u1', sessionId: 's1' }))).toBeNull();
  });

  it('are refused when altered in any way', async () => {
    const token = (await tokens.signer(session))(action);
    const [expires, mac] = token.split('.');
    const later = (parseInt(expires, 36) + 3_600_000).toString(36);
    for (const forged of [`${later}.${mac}`, `${expires}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, '', 'x', `${expires}.`, `${token}x`]) {
      expect(await tokens.check(forged, session, action)).toBeNull();
    }
  });

  it('differ for each form of one page', async () => {
    const sign = await tokens.signer(session);
    const all = ['/account/password', '/account/sign-out-others', '/account/sessions/a/revoke', '/account/sessions/b/revoke'].map((path) =>
      sign(formAction(path)),
    );
    expect(new Set(all).size).toBe(4);
  });
});
