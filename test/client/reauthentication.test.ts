import { createTesseraClient, RequestFailedError, type ReauthenticationChallenge } from 'tessera-sessions/client';
import { BACKENDS } from '../support/backends';
import { signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';

const ADMIN = { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'admin-secret-2468' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(BACKENDS)('the client SDK’s recent sign-in prompt against $name Redis', (backend) => {
  const suite = useService(backend, { ...ADMIN, ADMIN_REAUTH_AFTER: '1s' });

  async function staleAdmin(answer: (challenge: ReauthenticationChallenge) => string | null) {
    const challenges: ReauthenticationChallenge[] = [];
    const sent: string[] = [];
    const client = createTesseraClient({
      baseUrl: suite.service.url,
      onReauthenticationRequired: (challenge) => {
        challenges.push(challenge);
        return answer(challenge);
      },
      fetch: async (input, init) => {
        const request = new Request(input, init);
        sent.push(`${request.method} ${new URL(request.url).pathname}`);
        return fetch(request);
      },
    });
    await client.login({ username: ADMIN.ADMIN_USERNAME, password: ADMIN.ADMIN_PASSWORD });
    // Waiting is the behaviour under test: the admin's sign-in grows older than ADMIN_REAUTH_AFTER.
    await sleep(1200);
    return { client, challenges, sent };
  }

  const ban = (userId: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, reason: 'spam' }) });

  it('asks the app for the password, proves it and sends the request once more', async () => {
    const victim = await signUpAndLogIn(suite.service, 'rupert');
    const { client, challenges, sent } = await staleAdmin(() => ADMIN.ADMIN_PASSWORD);
    const response = await client.fetch('/admin/blacklist', ban(victim.body.user.id));
    expect(response.status).toBe(201);
    expect(challenges).toEqual([{ maxAgeSeconds: 1 }]);
    expect(sent.slice(-3)).toEqual(['POST /admin/blacklist', 'POST /auth/reauthenticate', 'POST /admin/blacklist']);
  });

  it('hands the 401 back when the app gives no password, and rejects a wrong one', async () => {
    const victim = await signUpAndLogIn(suite.service, 'sybil');
    const declined = await staleAdmin(() => null);
    expect((await declined.client.fetch('/admin/blacklist', ban(victim.body.user.id))).status).toBe(401);
    expect(declined.sent).not.toContain('POST /auth/reauthenticate');

    const mistaken = await staleAdmin(() => 'not the password');
    await expect(mistaken.client.fetch('/admin/blacklist', ban(victim.body.user.id))).rejects.toThrow(RequestFailedError);
    expect((await suite.service.call('GET', '/auth/session', { token: victim.token })).status).toBe(200);
  });
});
