import { BACKENDS } from '../support/backends';
import { logIn, signUpAndLogIn } from '../support/service';
import { useInstancePair } from '../support/serviceFixture';

describe.each(BACKENDS)('two app instances sharing $name Redis', (backend) => {
  // Separate clients, as two processes behind a load balancer would have.
  const suite = useInstancePair(backend);

  it('accepts on one instance a token issued by the other', async () => {
    const { token } = await signUpAndLogIn(suite.a, 'shared');
    expect((await suite.b.call('GET', '/auth/session', { token })).status).toBe(200);
  });

  it('refuses a token on the first instance the moment the second revokes it', async () => {
    const { token } = await signUpAndLogIn(suite.a, 'revoked-elsewhere');
    expect((await suite.a.call('GET', '/auth/session', { token })).status).toBe(200);
    expect((await suite.b.call('POST', '/auth/logout', { token })).status).toBe(204);
    expect((await suite.a.call('GET', '/auth/session', { token })).status).toBe(401);
  });

  it('ends sessions on every instance when the password changes on one', async () => {
    const onA = await signUpAndLogIn(suite.a, 'moving', 'first-password');
    const onB = await logIn(suite.b, 'moving', 'first-password');
    const changed = await suite.b.call('POST', '/auth/password', {
      token: onB.token,
      body: { currentPassword: 'first-password', newPassword: 'second-password' },
    });
    expect(changed.status).toBe(204);
    expect((await suite.a.call('GET', '/auth/session', { token: onA.token })).status).toBe(401);
    expect((await suite.a.call('GET', '/auth/session', { token: onB.token })).status).toBe(200);
  });

  it('respects MAX_SESSIONS_PER_USER under 200 concurrent logins spread over both instances', async () => {
    // 200 logins at once from one address: past the per-address and queue bounds, which have their own tests.
    const [limitedA, limitedB] = await suite.pair({ MAX_SESSIONS_PER_USER: '3', PASSWORD_CHECKS_PER_ADDRESS: '200', PASSWORD_QUEUE_LIMIT: '200' });
    await signUpAndLogIn(limitedA, 'busy');
    const logins = await Promise.all(Array.from({ length: 200 }, (_, i) => logIn(i % 2 ? limitedA : limitedB, 'busy')));
    const live = await Promise.all(logins.map(({ token }) => limitedA.call('GET', '/auth/session', { token })));
    expect(live.filter((r) => r.status === 200)).toHaveLength(3);
    const survivor = logins[live.findIndex((r) => r.status === 200)].token;
    const { sessions } = (await (await limitedB.call('GET', '/auth/sessions', { token: survivor })).json()) as {
      sessions: unknown[];
    };
    expect(sessions).toHaveLength(3);
  });
});
