import { eventually } from '../support/eventually';
import { serviceOnPrivateRedis, untilReady } from '../support/privateRedis';
import { signUpAndLogIn } from '../support/service';

/** Generous: the point is "about a second, not ioredis' tens of seconds", on a noisy machine. */
const PROMPT_MS = 3000;

async function timed(request: () => Promise<Response>): Promise<{ status: number; type: string; ms: number }> {
  const started = Date.now();
  const response = await request();
  const body = (await response.json()) as { type?: string };
  return { status: response.status, type: body.type ?? '', ms: Date.now() - started };
}

describe('when Redis fails', () => {
  const fixture = serviceOnPrivateRedis();

  it('answers 503 promptly while Redis is down, and recovers by itself when it returns', async () => {
    const { server, service } = fixture;
    const { token } = await signUpAndLogIn(service, 'survivor');
    await server.stop();

    for (const request of [
      () => service.call('GET', '/auth/session', { token }),
      () => service.call('POST', '/auth/login', { body: { username: 'survivor', password: 'correct horse battery' } }),
      () => service.call('POST', '/auth/register', { body: { username: 'newcomer', password: 'correct horse battery' } }),
      () => service.call('GET', '/readyz'),
    ]) {
      const answer = await timed(request);
      expect(answer).toMatchObject({ status: 503, type: 'urn:tessera:problem:store-unavailable' });
      expect(answer.ms).toBeLessThan(PROMPT_MS);
    }
    expect((await service.call('GET', '/healthz')).status).toBe(200);

    await server.restart();
    await untilReady(service);
    // The append-only file kept the session across the restart; the scripts were reloaded (NOSCRIPT).
    expect((await service.call('GET', '/auth/session', { token })).status).toBe(200);
  });

  it('answers 503 promptly while Redis hangs, and recovers when it wakes', async () => {
    const { server, service } = fixture;
    const { token } = await signUpAndLogIn(service, 'patient');
    server.signal('SIGSTOP');
    try {
      const answer = await timed(() => service.call('GET', '/auth/session', { token }));
      expect(answer).toMatchObject({ status: 503, type: 'urn:tessera:problem:store-unavailable' });
      expect(answer.ms).toBeLessThan(PROMPT_MS);
    } finally {
      server.signal('SIGCONT');
    }
    await eventually(async () => (await service.call('GET', '/auth/session', { token })).status === 200);
  });

  it('answers every one of many concurrent checks with 503 while Redis hangs, none left hanging', async () => {
    const { server, service } = fixture;
    const { token } = await signUpAndLogIn(service, 'crowded');
    server.signal('SIGSTOP');
    try {
      // Spread over several event-loop turns, so later checks find earlier ones still waiting on Redis.
      const answers = await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          await new Promise((resolve) => setTimeout(resolve, (i % 6) * 20));
          return service.call('GET', '/auth/session', { token });
        }),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(30).fill(503));
    } finally {
      server.signal('SIGCONT');
    }
    await eventually(async () => (await service.call('GET', '/auth/session', { token })).status === 200);
  });

  it('never answers a revoked token with 200 across a crash and restart', async () => {
    const { server, service } = fixture;
    const { token } = await signUpAndLogIn(service, 'revoked');
    expect((await service.call('POST', '/auth/logout', { token })).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // appendfsync everysec
    await server.stop('SIGKILL');
    expect((await service.call('GET', '/auth/session', { token })).status).toBe(503);
    await server.restart();
    await untilReady(service);
    expect((await service.call('GET', '/auth/session', { token })).status).toBe(401);
  });
});
