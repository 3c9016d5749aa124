import { BACKENDS } from '../support/backends';
import { signUpAndLogIn } from '../support/service';
import { useServices } from '../support/serviceFixture';

describe('headers of answers that carry session data', () => {
  const { serve } = useServices(BACKENDS[0]);

  it('sends nosniff and no-store on every API answer, errors included', async () => {
    const service = await serve({});
    const register = await service.call('POST', '/auth/register', { body: { username: 'headered', password: 'nosniff-secret-1' } });
    const login = await service.call('POST', '/auth/login', { body: { username: 'headered', password: 'nosniff-secret-1' } });
    const { token } = (await login.clone().json()) as { token: string };
    const answers = [
      register,
      login,
      await service.call('GET', '/auth/session', { token }),
      await service.call('GET', '/auth/sessions', { token }),
      await service.call('GET', '/auth/verify', { token }),
      await service.call('GET', '/auth/session'),
      await service.call('POST', '/auth/login', { body: { username: 'headered', password: 'wrong-password' } }),
      await service.call('POST', '/auth/login', { body: '{"broken' }),
      await service.call('GET', '/admin/users', { token }),
      await service.call('GET', '/no/such/route'),
    ];
    expect(answers.map((a) => a.status)).toEqual([201, 200, 200, 200, 200, 401, 401, 400, 403, 404]);
    for (const answer of answers) {
      expect([answer.url, answer.headers.get('x-content-type-options'), answer.headers.get('cache-control')]).toEqual([answer.url, 'nosniff', 'no-store']);
      expect(answer.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('sends HSTS when the session cookie is Secure, on pages and API alike', async () => {
    const service = await serve({ COOKIE_TRANSPORT: 'on', COOKIE_SECURE: 'on' });
    const { token } = await signUpAndLogIn(service, 'hsts-user');
    for (const answer of [
      await service.call('GET', '/login'),
      await service.call('GET', '/auth/session', { token }),
      await service.call('GET', '/auth/session'),
    ]) {
      expect(answer.headers.get('strict-transport-security')).toBe('max-age=31536000');
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('sends no HSTS for plain-http development cookies', async () => {
    const service = await serve({ COOKIE_TRANSPORT: 'on', COOKIE_SECURE: 'off' });
    expect((await service.call('GET', '/login')).headers.get('strict-transport-security')).toBeNull();
  });
});
