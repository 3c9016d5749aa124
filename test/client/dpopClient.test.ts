import { setTimeout as sleep } from 'node:timers/promises';
import { createTesseraClient, memoryStorage } from 'tessera-sessions/client';
import { BACKENDS } from '../support/backends';
import { signUpAndLogIn, type TestService } from '../support/service';
import { useServices } from '../support/serviceFixture';

const PASSWORD = 'correct horse battery';

/** The public key a proof names (its header's jwk), to tell the client's keys apart. */
function keyOf(proof: string): string {
  const header = JSON.parse(Buffer.from(proof.split('.')[0], 'base64url').toString()) as { jwk: { x: string } };
  return header.jwk.x;
}

describe.each(BACKENDS)('the client SDK with dpop: true in Node against $name Redis', (backend) => {
  const services = useServices(backend);

  function recordingClient(service: TestService) {
    const sent: { line: string; authorization: string | null; proof: string | null }[] = [];
    const storage = memoryStorage();
    const client = createTesseraClient({
      baseUrl: service.url,
      storage,
      dpop: true,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        sent.push({
          line: `${request.method} ${new URL(request.url).pathname}`,
          authorization: request.headers.get('authorization'),
          proof: request.headers.get('dpop'),
        });
        return fetch(request);
      },
    });
    return { client, sent, storage };
  }

  it('binds its login to a key of its own and proves every request; the token alone is refused', async () => {
    const service = await services.serve();
    await signUpAndLogIn(service, 'sdk-dpop');
    const { client, sent, storage } = recordingClient(service);
    await client.login({ username: 'sdk-dpop', password: PASSWORD });
    const pair = (await storage.get())!;
    expect(pair.tokenType).toBe('DPoP');
    expect((await client.fetch('/auth/session')).status).toBe(200);
    expect((await client.fetch('/auth/session')).status).toBe(200);
    const uses = sent.filter((request) => request.line === 'GET /auth/session');
    expect(uses.map((request) => request.authorization)).toEqual([`DPoP ${pair.token}`, `DPoP ${pair.token}`]);
    expect(new Set(uses.map((request) => request.proof)).size).toBe(2);
    expect(keyOf(uses[0].proof!)).toBe(keyOf(sent[0].proof!));

    expect((await service.call('GET', '/auth/session', { token: pair.token })).status).toBe(401);
    expect((await client.fetch('/auth/session')).status).toBe(200);
  });

  it('signs again once when the server asks for its nonce, at login and on use', async () => {
    const service = await services.serve({ DPOP_NONCE: 'on' });
    await signUpAndLogIn(service, 'sdk-nonce');
    const { client, sent } = recordingClient(service);
    await client.login({ username: 'sdk-nonce', password: PASSWORD });
    expect((await client.fetch('/auth/session')).status).toBe(200);
    // The login was asked for the nonce once; the use already had it from the login's answer.
    expect(sent.map((request) => request.line)).toEqual(['POST /auth/login', 'POST /auth/login', 'GET /auth/session']);
  });

  it('refreshes a lapsed bound session with a proof by the same key', async () => {
    const service = await services.serve({ SESSION_IDLE_TIMEOUT: '2s' });
    await signUpAndLogIn(service, 'sdk-dpop-refresh');
    const { client, sent, storage } = recordingClient(service);
    await client.login({ username: 'sdk-dpop-refresh', password: PASSWORD, remember: true });
    const first = (await storage.get())!.token;
    // Real time is the behaviour under test: the session lapses.
    await sleep(2300);
    expect((await client.fetch('/auth/session')).status).toBe(200);
    const refresh = sent.find((request) => request.line === 'POST /auth/refresh')!;
    expect(keyOf(refresh.proof!)).toBe(keyOf(sent[0].proof!));
    expect((await storage.get())!.token).not.toBe(first);
    expect((await storage.get())!.tokenType).toBe('DPoP');
  });

  it('uses a new key for each login and forgets the old one at logout', async () => {
    const service = await services.serve();
    await signUpAndLogIn(service, 'sdk-dpop-keys');
    const { client, sent } = recordingClient(service);
    await client.login({ username: 'sdk-dpop-keys', password: PASSWORD });
    await client.logout();
    await client.login({ username: 'sdk-dpop-keys', password: PASSWORD });
    const logins = sent.filter((request) => request.line === 'POST /auth/login');
    expect(keyOf(logins[0].proof!)).not.toBe(keyOf(logins[1].proof!));
    expect((await client.fetch('/auth/session')).status).toBe(200);
  });
});
