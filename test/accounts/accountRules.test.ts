import { BACKENDS, uniquePrefix } from '../support/backends';
import { problemsOf } from '../support/configProblems';
import { hiddenFields, PageClient } from '../support/pageClient';
import { logIn, signUpAndLogIn, startTestService } from '../support/service';
import { useService } from '../support/serviceFixture';

describe('account rules', () => {
  const suite = useService(BACKENDS[0], { COOKIE_TRANSPORT: 'on', COOKIE_SECURE: 'off' });

  async function problem(response: Response): Promise<{ type: string; errors: { field: string; message: string }[] }> {
    expect(response.status).toBe(400);
    return (await response.json()) as { type: string; errors: { field: string; message: string }[] };
  }

  it('refuses a password on the breached list, in any case, at registration', async () => {
    for (const password of ['password', '12345678', 'Password1', 'iloveyou', 'QWERTYUIOP']) {
      const body = await problem(await suite.service.call('POST', '/auth/register', { body: { username: 'listed-user', password } }));
      expect(body).toMatchObject({
        type: 'urn:tessera:problem:invalid-request',
        errors: [{ field: 'password', message: expect.stringContaining('breached') }],
      });
    }
    expect((await suite.service.call('POST', '/auth/login', { body: { username: 'listed-user', password: 'password' } })).status).toBe(401);
  });

  it('refuses easily guessed passwords and control characters, each with a problem that says why', async () => {
    const cases: [string, RegExp][] = [
      ['aaaaaaaa', /too easy to guess|breached/],
      ['abcdefgh', /too easy to guess|breached/],
      [' '.repeat(8), /too easy to guess/],
      ['\0'.repeat(8), /control characters/],
      ['Password123!', /too easy to guess|breached/],
      ['Summer2026!', /too easy to guess|breached/],
      ['correct horse\nbattery', /control characters/],
    ];
    for (const [password, why] of cases) {
      const response = await suite.service.call('POST', '/auth/register', { body: { username: 'weak-user', password } });
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const body = await problem(response);
      expect(body).toMatchObject({ type: 'urn:tessera:problem:invalid-request', errors: [{ field: 'password', message: expect.stringMatching(why) }] });
    }
    expect((await suite.service.call('POST', '/auth/login', { body: { username: 'weak-user', password: 'Summer2026!' } })).status).toBe(401);
  });

  it('scores only the first 40 characters: a weak start is refused however strong the rest, a strong one is enough', async () => {
    const weakStart = `${'a'.repeat(40)}Vq7#mZ2!xR9$kT4@pL6&`;
    expect(
      (await problem(await suite.service.call('POST', '/auth/register', { body: { username: 'long-weak', password: weakStart } }))).errors[0].message,
    ).toMatch(/too easy/);
    const strong = 'copper lantern drifts over quiet harbour stones at dusk, 2031!';
    expect((await suite.service.call('POST', '/auth/register', { body: { username: 'long-strong', password: strong } })).status).toBe(201);
  });

  it('takes the least score from PASSWORD_MIN_SCORE, checked at start', async () => {
    expect(problemsOf({ PASSWORD_MIN_SCORE: '5' })).toEqual(['PASSWORD_MIN_SCORE: must be at most 4']);
    expect(problemsOf({ PASSWORD_MIN_SCORE: 'high' })[0]).toMatch(/^PASSWORD_MIN_SCORE: must be a whole number from 0 to 4/);
    const lenient = await startTestService(suite.redis, { KEY_PREFIX: uniquePrefix(), PASSWORD_MIN_SCORE: '1' });
    try {
      expect((await lenient.call('POST', '/auth/register', { body: { username: 'lenient', password: 'Summer2026!' } })).status).toBe(201);
      expect((await lenient.call('POST', '/auth/register', { body: { username: 'lenient2', password: 'aaaaaaaa' } })).status).toBe(400);
    } finally {
      await lenient.close();
    }
  });

  it('refuses a password built from the username or the service name', async () => {
    for (const password of ['kate-rocks-2024', '2024KATE!', 'my-tessera-login']) {
      const body = await problem(await suite.service.call('POST', '/auth/register', { body: { username: 'Kate', password } }));
      expect(body.errors).toEqual([{ field: 'password', message: expect.stringMatching(/must not contain the (username|name of this service)/) }]);
    }
  });

  it('refuses the same passwords as a new password', async () => {
    const { token } = await signUpAndLogIn(suite.service, 'changer', 'a-fine-old-secret');
    for (const newPassword of ['password1', 'changer-2025-x']) {
      const body = await problem(await suite.service.call('POST', '/auth/password', { token, body: { currentPassword: 'a-fine-old-secret', newPassword } }));
      expect(body.errors).toEqual([{ field: 'newPassword', message: expect.any(String) }]);
    }
    await logIn(suite.service, 'changer', 'a-fine-old-secret');
  });

  it('says so in place on the register page', async () => {
    const visitor = new PageClient(suite.service);
    const fields = hiddenFields((await visitor.get('/register')).html);
    const answer = await visitor.post('/register', { ...fields, username: 'page-newcomer', password: 'iloveyou' });
    expect(answer.status).toBe(400);
    expect(answer.html).toContain('This password is too common');
  });

  it('refuses a bootstrap admin password that is listed or contains the admin name', () => {
    expect(problemsOf({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'root-password-1' })[0]).toMatch(/^ADMIN_PASSWORD: /);
    expect(problemsOf({ ADMIN_USERNAME: 'operator', ADMIN_PASSWORD: 'trustno1' })[0]).toMatch(/^ADMIN_PASSWORD: /);
    expect(problemsOf({ ADMIN_USERNAME: 'operator', ADMIN_PASSWORD: 'a-long-admin-secret' })).toEqual([]);
  });

  it('never folds a non-ASCII name onto a user at login: the Kelvin sign is not a k', async () => {
    await signUpAndLogIn(suite.service, 'kate', 'kelvin-proof-secret');
    const kelvin = await suite.service.call('POST', '/auth/login', { body: { username: '\u212Aate', password: 'kelvin-proof-secret' } });
    expect(kelvin.status).toBe(401);
    expect(((await kelvin.json()) as { type: string }).type).toBe('urn:tessera:problem:invalid-credentials');
    // Case-insensitive names still work, in ASCII.
    await logIn(suite.service, 'KATE', 'kelvin-proof-secret');
    const page = new PageClient(suite.service);
    const fields = hiddenFields((await page.get('/login')).html);
    expect((await page.post('/login', { ...fields, username: '\u212Aate', password: 'kelvin-proof-secret' })).status).toBe(401);
  });
});
