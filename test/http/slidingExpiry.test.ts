import { BACKENDS } from '../support/backends';
import { signUpAndLogIn } from '../support/service';
import { useServices } from '../support/serviceFixture';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Real time is the behaviour under test here, so these tests sleep.
describe.each(BACKENDS)('sliding expiry over HTTP on $name Redis', (backend) => {
  const { serve } = useServices(backend);

  it('keeps a token used every second alive past its 2 s idle timeout, then ends it 2 s after its last use', async () => {
    const service = await serve({ SESSION_IDLE_TIMEOUT: '2s', SESSION_ABSOLUTE_TIMEOUT: '1m' });
    const { token } = await signUpAndLogIn(service, 'steady');
    const started = Date.now();
    while (Date.now() - started < 6000) {
      await sleep(1000);
      expect((await service.call('GET', '/auth/session', { token })).status).toBe(200);
    }
    await sleep(1500);
    expect((await service.call('GET', '/auth/session', { token })).status).toBe(200);
    await sleep(2200);
    expect((await service.call('GET', '/auth/session', { token })).status).toBe(401);
  }, 20_000);

  it('ends a session at its absolute lifetime even while it is in use', async () => {
    const service = await serve({ SESSION_IDLE_TIMEOUT: '2s', SESSION_ABSOLUTE_TIMEOUT: '3s' });
    const { token, body } = await signUpAndLogIn(service, 'busy');
    const absolute = new Date(body.absoluteExpiresAt).getTime();
    expect(absolute - new Date(body.expiresAt).getTime()).toBe(1000);
    let lastOk = 0;
    for (;;) {
      await sleep(500);
      const status = (await service.call('GET', '/auth/session', { token })).status;
      if (status !== 200) break;
      lastOk = Date.now();
    }
    expect(lastOk).toBeGreaterThan(absolute - 1000);
    expect(Date.now()).toBeGreaterThanOrEqual(absolute - 50);
  }, 20_000);
});
