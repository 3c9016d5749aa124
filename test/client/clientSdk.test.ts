import { setTimeout as sleep } from 'node:timers/promises';
import { createTesseraClient, memoryStorage, SessionEndedError, type SessionEndedReason, type SignedIn } from 'tessera-sessions/client';
import { BACKENDS } from '../support/backends';
import { spentRefreshesOf } from '../support/keys';
import { signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';

const PASSWORD = 'correct horse battery';

describe.each(BACKENDS)('the client SDK in Node against $name Redis', (backend) => {
  const suite = useService(backend, { SESSION_IDLE_TIMEOUT: '2s' });

  /** A client whose every request is counted by method and path, as sent to the server. */
  function countingClient(extra: { onSessionEnded?: (reason: SessionEndedReason) => void; failOn?: (request: Request) => boolean } = {}) {
    const sent: string[] = [];
    const storage = memoryStorage();
    const client = createTesseraClient({
      baseUrl: suite.service.url,
      storage,
      onSessionEnded: extra.onSessionEnded,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        sent.push(`${request.method} ${new URL(request.url).pathname}`);
        if (extra.failOn?.(request)) throw new TypeError('fetch failed: connection reset');
        return fetch(request);
      },
    });
    return { client, sent, storage };
  }

  /** Waits out the 2 s idle timeout: real time is the behaviour under test. */
  const lapse = () => sleep(2300);

  it('refreshes once for ten concurrent requests after the session lapsed, and all ten succeed', async () => {
    await signUpAndLogIn(suite.service, 'sdk-ten');
    const { client, sent, storage } = countingClient();
    const signedIn = await client.login({ username: 'sdk-ten', password: PASSWORD, remember: true });
    const refreshToken = (await storage.get())!.refreshToken!;
    await lapse();
    const responses = await Promise.all(Array.from({ length: 10 }, () => client.fetch('/auth/session')));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as SignedIn[];
    expect(new Set(bodies.map((b) => b.user.id))).toEqual(new Set([signedIn.user.id]));
    expect(new Set(bodies.map((b) => b.session.id)).size).toBe(1);
    expect(sent.filter((line) => line === 'POST /auth/refresh')).toHaveLength(1);
    // At the server: the family spent exactly one refresh token.
    expect(await suite.redis.zcard(spentRefreshesOf(suite.prefix, refreshToken))).toBe(1);
    expect((await storage.get())!.refreshToken).not.toBe(refreshToken);
  });

  it('never replays a request that failed on the way, and does not refresh for it', async () => {
    await signUpAndLogIn(suite.service, 'sdk-flaky');
    const { client, sent } = countingClient({ failOn: (request) => request.method === 'POST' && request.url.endsWith('/auth/password') });
    await client.login({ username: 'sdk-flaky', password: PASSWORD, remember: true });
    await expect(client.fetch('/auth/password', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).rejects.toThrow(TypeError);
    expect(sent.filter((line) => line === 'POST /auth/password')).toHaveLength(1);
    expect(sent).not.toContain('POST /auth/refresh');
  });

  it('ends the session once and rejects every waiting request with SessionEndedError when it cannot refresh', async () => {
    await signUpAndLogIn(suite.service, 'sdk-forgotten');
    const ended: SessionEndedReason[] = [];
    const { client, sent } = countingClient({ onSessionEnded: (reason) => ended.push(reason) });
    await client.login({ username: 'sdk-forgotten', password: PASSWORD });
    await lapse();
    const outcomes = await Promise.allSettled([client.fetch('/auth/session'), client.fetch('/auth/sessions'), client.fetch('/auth/session')]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(SessionEndedError);
    }
    expect(ended).toEqual(['expired']);
    expect(sent).not.toContain('POST /auth/refresh');
    expect(await client.session()).toBeNull();
  });

  it('tells the app its login ended when the refresh token was revoked elsewhere', async () => {
    await signUpAndLogIn(suite.service, 'sdk-revoked');
    const ended: SessionEndedReason[] = [];
    const { client } = countingClient({ onSessionEnded: (reason) => ended.push(reason) });
    await client.login({ username: 'sdk-revoked', password: PASSWORD, remember: true });
    const other = await signUpAndLogIn(suite.service, 'sdk-revoked');
    expect((await suite.service.call('POST', '/auth/logout-all', { token: other.token })).status).toBe(204);
    await expect(client.fetch('/auth/session')).rejects.toMatchObject({ name: 'SessionEndedError', reason: 'refresh-refused' });
    expect(ended).toEqual(['refresh-refused']);
  });

  it('reports logged-out once when the app logs out, and not for a client that had no session', async () => {
    await signUpAndLogIn(suite.service, 'sdk-leaver');
    const ended: SessionEndedReason[] = [];
    const { client, storage } = countingClient({ onSessionEnded: (reason) => ended.push(reason) });
    await client.login({ username: 'sdk-leaver', password: PASSWORD, remember: true });
    await client.logout();
    expect(ended).toEqual(['logged-out']);
    expect(await storage.get()).toBeNull();
    expect((await client.fetch('/auth/session')).status).toBe(401);
    await client.logout();
    expect(ended).toEqual(['logged-out']);

    const stranger = countingClient({ onSessionEnded: (reason) => ended.push(reason) });
    await stranger.client.logoutAll();
    expect(ended).toEqual(['logged-out']);
  });

  it('reports logged-out to a tab whose shared storage another tab logged out of, and rejects its request', async () => {
    await signUpAndLogIn(suite.service, 'sdk-tabs');
    const shared = memoryStorage();
    const endedIn = { first: [] as SessionEndedReason[], second: [] as SessionEndedReason[] };
    const tab = (name: keyof typeof endedIn) =>
      createTesseraClient({ baseUrl: suite.service.url, storage: shared, onSessionEnded: (reason) => endedIn[name].push(reason) });
    const first = tab('first');
    const second = tab('second');
    await first.login({ username: 'sdk-tabs', password: PASSWORD });
    expect((await second.fetch('/auth/session')).status).toBe(200);

    await first.logoutAll();
    const outcomes = await Promise.allSettled([second.fetch('/auth/session'), second.fetch('/auth/sessions')]);
    expect(outcomes.map((outcome) => (outcome as PromiseRejectedResult).reason)).toEqual([
      expect.objectContaining({ name: 'SessionEndedError', reason: 'logged-out' }),
      expect.objectContaining({ name: 'SessionEndedError', reason: 'logged-out' }),
    ]);
    expect(endedIn).toEqual({ first: ['logged-out'], second: ['logged-out'] });
    expect((await second.fetch('/auth/session')).status).toBe(401);
    expect(endedIn.second).toEqual(['logged-out']);
  });

  it('warns ahead of the lapse, and logs out for good', async () => {
    await signUpAndLogIn(suite.service, 'sdk-warned');
    const warned = new Promise<{ expiresAt: Date; canRefresh: boolean }>((resolve) => {
      const client = createTesseraClient({ baseUrl: suite.service.url, expiringLeadSeconds: 1, onExpiring: resolve });
      void client.login({ username: 'sdk-warned', password: PASSWORD }).then(() => client.fetch('/auth/session'));
    });
    const notice = await warned;
    expect(notice.canRefresh).toBe(false);
    expect(notice.expiresAt.getTime()).toBeGreaterThan(Date.now() - 1000);

    const { client } = countingClient();
    await client.login({ username: 'sdk-warned', password: PASSWORD, remember: true });
    expect((await client.session())?.user.username).toBe('sdk-warned');
    await client.logout();
    expect(await client.session()).toBeNull();
  });
});
