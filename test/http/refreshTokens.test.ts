import { setTimeout as sleep } from 'node:timers/promises';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { signUpAndLogIn, startTestService, type LoginBody, type TestService } from '../support/service';
import { useService } from '../support/serviceFixture';

interface Pair {
  token: string;
  refreshToken: string;
  refreshExpiresAt: string;
  expiresAt: string;
  session: { id: string; createdAt: string; rememberedUntil: string | null; device: { type: string | null; name: string | null } };
  user: { id: string; username: string; roles: string[] };
}

const PASSWORD = 'correct horse battery';

describe.each(BACKENDS)('refresh tokens on $name Redis', (backend) => {
  const suite = useService(backend);

  async function remembered(on: TestService, username: string, device?: { type?: string; name?: string }): Promise<Pair> {
    await signUpAndLogIn(on, username);
    const response = await on.call('POST', '/auth/login', { body: { username, password: PASSWORD, remember: true, ...(device ? { device } : {}) } });
    expect(response.status).toBe(200);
    return (await response.json()) as Pair;
  }

  function refresh(on: TestService, refreshToken: unknown): Promise<Response> {
    return on.call('POST', '/auth/refresh', { body: { refreshToken } });
  }

  async function sessionStatus(on: TestService, token: string): Promise<number> {
    return (await on.call('GET', '/auth/session', { token })).status;
  }

  async function problemType(response: Response): Promise<string> {
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    return ((await response.json()) as { type: string }).type;
  }

  it('answers a refresh token with its expiry only when the login asks to be remembered', async () => {
    const plain = (await signUpAndLogIn(suite.service, 'plain')).body as LoginBody & { refreshToken?: string };
    expect(plain.refreshToken).toBeUndefined();
    const pair = await remembered(suite.service, 'keeper');
    expect(pair.refreshToken).toMatch(/^tessr_[0-9A-Za-z]{54}$/);
    const days = (new Date(pair.refreshExpiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect(pair.session.rememberedUntil).toBe(pair.refreshExpiresAt);
    const bad = await suite.service.call('POST', '/auth/login', { body: { username: 'keeper', password: PASSWORD, remember: 'yes' } });
    expect(bad.status).toBe(400);
  });

  it('rotates: a new session and refresh token, the previous session ended, the new token refreshing in turn', async () => {
    const first = await remembered(suite.service, 'rotor', { type: 'ios', name: 'Phone' });
    const response = await refresh(suite.service, first.refreshToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const second = (await response.json()) as Pair;
    expect(second).toMatchObject({
      token: expect.stringMatching(/^tess_/),
      tokenType: 'Bearer',
      refreshToken: expect.stringMatching(/^tessr_/),
      session: { device: { type: 'ios', name: 'Phone' }, rememberedUntil: second.refreshExpiresAt },
      user: { id: first.user.id, username: 'rotor', roles: [] },
    });
    expect(second.user).toEqual(first.user);
    expect(second.token).not.toBe(first.token);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.session.id).not.toBe(first.session.id);
    expect(await sessionStatus(suite.service, first.token)).toBe(401);
    expect(await sessionStatus(suite.service, second.token)).toBe(200);
    const third = await refresh(suite.service, second.refreshToken);
    expect(third.status).toBe(200);
    expect(await sessionStatus(suite.service, second.token)).toBe(401);
  });

  it('answers the same pair to one retry of a spent token within the grace window, audited with its address', async () => {
    const first = await remembered(suite.service, 'racer');
    const [a, b] = await Promise.all([refresh(suite.service, first.refreshToken), refresh(suite.service, first.refreshToken)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const [pairA, pairB] = [(await a.json()) as Pair, (await b.json()) as Pair];
    expect(pairB.token).toBe(pairA.token);
    expect(pairB.refreshToken).toBe(pairA.refreshToken);
    expect(pairB.session.id).toBe(pairA.session.id);
    const { entries } = await suite.service.admin.audit.page(100, undefined, 'sign-in');
    expect(entries.filter((e) => e.type === 'refresh.replayed' && e.target === pairA.session.id)).toEqual([
      expect.objectContaining({ actor: expect.objectContaining({ id: first.user.id }), ip: expect.stringMatching(/./), outcome: 'success' }),
    ]);

    const again = await refresh(suite.service, first.refreshToken);
    expect(again.status).toBe(401);
    expect(await problemType(again)).toBe('urn:tessera:problem:invalid-refresh-token');
    expect(await sessionStatus(suite.service, pairA.token)).toBe(200);
  });

  it('ends a refreshed session with its family, however long sessions may live', async () => {
    const short = await startTestService(suite.redis, {
      KEY_PREFIX: uniquePrefix(),
      SESSION_ABSOLUTE_TIMEOUT: '1h',
      REFRESH_IDLE_TIMEOUT: '30m',
      REFRESH_ABSOLUTE_TIMEOUT: '1h',
    });
    try {
      const first = await remembered(short, 'mayfly');
      const familyEnd = Date.parse(first.session.createdAt) + 3_600_000;
      // Real time is the behaviour under test: the refresh must come later than the login.
      await sleep(20);
      const second = (await (await refresh(short, first.refreshToken)).json()) as Pair & { absoluteExpiresAt: string };
      expect(Date.parse(second.absoluteExpiresAt)).toBe(familyEnd);
      const checked = (await (await short.call('GET', '/auth/session', { token: second.token })).json()) as { session: { absoluteExpiresAt: string } };
      expect(Date.parse(checked.session.absoluteExpiresAt)).toBe(familyEnd);
      const { sessions } = (await (await short.call('GET', '/auth/sessions', { token: second.token })).json()) as {
        sessions: { id: string; absoluteExpiresAt: string }[];
      };
      expect(Date.parse(sessions.find((listed) => listed.id === second.session.id)!.absoluteExpiresAt)).toBe(familyEnd);
    } finally {
      await short.close();
    }
  });

  it('ends the whole family when a spent token comes back after the grace window, and records it once', async () => {
    const strict = await startTestService(suite.redis, { KEY_PREFIX: uniquePrefix(), REFRESH_REUSE_GRACE: '300ms' });
    try {
      const first = await remembered(strict, 'victim');
      const second = (await (await refresh(strict, first.refreshToken)).json()) as Pair;
      // Real time is the behaviour under test: the grace window must have passed.
      await sleep(600);
      const reused = await refresh(strict, first.refreshToken);
      expect(reused.status).toBe(401);
      expect(await problemType(reused)).toBe('urn:tessera:problem:refresh-token-reused');
      expect(await sessionStatus(strict, second.token)).toBe(401);
      const rotated = await refresh(strict, second.refreshToken);
      expect(rotated.status).toBe(401);
      expect(await problemType(rotated)).toBe('urn:tessera:problem:invalid-refresh-token');
      const { entries } = await strict.admin.audit.page(100, undefined, 'sign-in');
      expect(entries.filter((e) => e.type === 'refresh.reused')).toEqual([
        expect.objectContaining({ actor: expect.objectContaining({ id: first.user.id }), target: second.session.id, outcome: 'denied' }),
      ]);
    } finally {
      await strict.close();
    }
  });

  it('answers a late retry of an older spent token invalid, not reused, when its successor was spent too within the grace window', async () => {
    const first = await remembered(suite.service, 'hasty');
    const second = (await (await refresh(suite.service, first.refreshToken)).json()) as Pair;
    const third = (await (await refresh(suite.service, second.refreshToken)).json()) as Pair;
    const late = await refresh(suite.service, first.refreshToken);
    expect(late.status).toBe(401);
    expect(await problemType(late)).toBe('urn:tessera:problem:invalid-refresh-token');
    expect(await sessionStatus(suite.service, third.token)).toBe(200);
    expect((await refresh(suite.service, third.refreshToken)).status).toBe(200);
  });

  it('keeps one session per device type across a refresh: the next login on that device type ends the refreshed session', async () => {
    const single = await startTestService(suite.redis, { KEY_PREFIX: uniquePrefix(), ONE_SESSION_PER_DEVICE_TYPE: 'on' });
    try {
      const first = await remembered(single, 'one-phone', { type: 'ios' });
      const second = (await (await refresh(single, first.refreshToken)).json()) as Pair;
      expect(await sessionStatus(single, second.token)).toBe(200);
      const next = await single.call('POST', '/auth/login', { body: { username: 'one-phone', password: PASSWORD, device: { type: 'ios' } } });
      expect(next.status).toBe(200);
      expect(await sessionStatus(single, second.token)).toBe(401);
      expect(await sessionStatus(single, ((await next.json()) as Pair).token)).toBe(200);
    } finally {
      await single.close();
    }
  });

  it('leaves the family alone when a wrong secret is presented for it', async () => {
    const pair = await remembered(suite.service, 'guessed');
    const forged = pair.refreshToken.slice(0, -4) + (pair.refreshToken.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const response = await refresh(suite.service, forged);
    expect(response.status).toBe(401);
    expect(await problemType(response)).toBe('urn:tessera:problem:invalid-refresh-token');
    expect(await sessionStatus(suite.service, pair.token)).toBe(200);
    expect((await refresh(suite.service, pair.refreshToken)).status).toBe(200);
  });

  it('ends the family with its session at logout, and with every session at logout-all', async () => {
    const alone = await remembered(suite.service, 'leaver');
    expect((await suite.service.call('POST', '/auth/logout', { token: alone.token })).status).toBe(204);
    expect((await refresh(suite.service, alone.refreshToken)).status).toBe(401);

    const laptop = await remembered(suite.service, 'everywhere');
    const phone = await remembered(suite.service, 'everywhere');
    expect((await suite.service.call('POST', '/auth/logout-all', { token: laptop.token })).status).toBe(204);
    for (const pair of [laptop, phone]) {
      const response = await refresh(suite.service, pair.refreshToken);
      expect(response.status).toBe(401);
      expect(await problemType(response)).toBe('urn:tessera:problem:invalid-refresh-token');
    }
  });

  it('ends other devices’ families at a password change and keeps the one that changed it', async () => {
    const here = await remembered(suite.service, 'changer');
    const there = await remembered(suite.service, 'changer');
    const changed = await suite.service.call('POST', '/auth/password', {
      token: here.token,
      body: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
    });
    expect(changed.status).toBe(204);
    expect((await refresh(suite.service, there.refreshToken)).status).toBe(401);
    expect((await refresh(suite.service, here.refreshToken)).status).toBe(200);
  });

  it('refuses a banned user’s refresh token, also after the ban is lifted', async () => {
    const pair = await remembered(suite.service, 'outlaw');
    const actor = { id: 'operator', name: 'operator' };
    await suite.service.admin.ban(actor, pair.user.id, 'refresh test', null);
    const refused = await refresh(suite.service, pair.refreshToken);
    expect(refused.status).toBe(401);
    await suite.service.admin.unban(actor, pair.user.id);
    expect((await refresh(suite.service, pair.refreshToken)).status).toBe(401);
  });

  it('ends the family when an admin revokes its session', async () => {
    const pair = await remembered(suite.service, 'revoked');
    await suite.service.admin.revokeSession({ id: 'operator', name: 'operator' }, pair.session.id);
    expect((await refresh(suite.service, pair.refreshToken)).status).toBe(401);
  });

  it('lists which sessions are remembered, and until when', async () => {
    const kept = await remembered(suite.service, 'lister');
    const response = await suite.service.call('GET', '/auth/sessions', { token: kept.token });
    const { sessions } = (await response.json()) as { sessions: { id: string; rememberedUntil: string | null }[] };
    // remembered() signed in once without remembering before.
    expect(sessions).toHaveLength(2);
    expect(sessions.find((s) => s.id === kept.session.id)?.rememberedUntil).toBe(kept.refreshExpiresAt);
    expect(sessions.find((s) => s.id !== kept.session.id)?.rememberedUntil).toBeNull();
  });

  it('refuses refreshes from an address whose tokens keep failing, with 429', async () => {
    const strict = await startTestService(suite.redis, { KEY_PREFIX: uniquePrefix(), LOGIN_FAILURES_PER_ADDRESS: '3' });
    try {
      const pair = await remembered(strict, 'guesser');
      for (let i = 0; i < 3; i++) expect((await refresh(strict, `tessr_${'0'.repeat(54)}`)).status).toBe(401);
      const refused = await refresh(strict, pair.refreshToken);
      expect(refused.status).toBe(429);
      expect(await problemType(refused)).toBe('urn:tessera:problem:rate-limited');
    } finally {
      await strict.close();
    }
  });

  it('answers 401 for a malformed token, and 400 without one', async () => {
    for (const token of ['tessr_short', `tess_${'a'.repeat(54)}`, 'x'.repeat(60)]) {
      const response = await refresh(suite.service, token);
      expect(response.status).toBe(401);
      expect(await problemType(response)).toBe('urn:tessera:problem:invalid-refresh-token');
    }
    expect((await suite.service.call('POST', '/auth/refresh', { body: {} })).status).toBe(400);
    expect((await refresh(suite.service, 42)).status).toBe(400);
  });
});
