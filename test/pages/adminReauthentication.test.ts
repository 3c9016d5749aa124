/**
 * The admin page's forms ask for a recent sign-in as the admin API does (ADMIN_REAUTH_AFTER): a
 * form sent with an older one gets a password prompt that carries the form along, and confirming
 * the password finishes the act once.
 */
import { BACKENDS } from '../support/backends';
import { formFields, hiddenFields, PageClient } from '../support/pageClient';
import { signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PASSWORD = 'correct horse battery';

describe.each(BACKENDS)('the admin page’s password prompt ($name)', (backend) => {
  const suite = useService(backend, { COOKIE_TRANSPORT: 'on', ADMIN_REAUTH_AFTER: '1s', REGISTRATIONS_PER_ADDRESS: '1000' });

  it('asks for the password in place, keeps the form, and bans once the password is confirmed', async () => {
    const { body: target, token } = await signUpAndLogIn(suite.service, 'page-target');
    await suite.service.accounts.createAccount('page-boss', PASSWORD, ['admin']);
    const browser = new PageClient(suite.service);
    await browser.logIn('page-boss');
    const page = await browser.get(`/admin?user=${target.user.id}`);
    const form: Record<string, string> = { ...formFields(page.html, '/admin/do/ban'), reason: 'spam', until: '' };
    // Waiting is the behaviour under test: the sign-in grows older than ADMIN_REAUTH_AFTER.
    await sleep(1200);

    const prompt = await browser.post('/admin/do/ban', form);
    expect(prompt.status).toBe(401);
    expect(prompt.html).toContain('Confirm your password');
    expect(hiddenFields(prompt.html)).toMatchObject({ reason: 'spam', userId: target.user.id, _form: form._form });
    expect((await suite.service.call('GET', '/auth/session', { token })).status).toBe(200);

    const wrong = await browser.post('/admin/do/ban', { ...hiddenFields(prompt.html), reauthPassword: 'not it' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('The password is wrong.');

    const confirmed = await browser.post('/admin/do/ban', { ...hiddenFields(wrong.html), reauthPassword: PASSWORD });
    expect(confirmed.status).toBe(303);
    expect(confirmed.location).toContain('done=banned');
    expect((await suite.service.call('GET', '/auth/session', { token })).status).toBe(401);
  });
});
