import { BACKENDS } from '../support/backends';
import { formFields, PageClient } from '../support/pageClient';
import { keysWithPrefix } from '../support/redisInspect';
import { signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';

describe.each(BACKENDS)('the signed-in pages’ form tokens ($name)', (backend) => {
  const suite = useService(backend, { COOKIE_TRANSPORT: 'on', REGISTRATIONS_PER_ADDRESS: '1000' });

  async function signedInBrowser(username: string): Promise<PageClient> {
    await signUpAndLogIn(suite.service, username);
    const browser = new PageClient(suite.service);
    await browser.logIn(username);
    return browser;
  }

  it('add no Redis key however often /account and /admin are viewed', async () => {
    await suite.service.accounts.createAccount('viewing-admin', 'correct horse battery', ['admin']);
    const browser = new PageClient(suite.service);
    await browser.logIn('viewing-admin');
    const selected = await browser.get('/account');
    expect(selected.status).toBe(200);
    const userId = /<dt>User id<\/dt><dd><code>([^<]+)<\/code>/.exec(selected.html)![1];
    await browser.get(`/admin?user=${userId}`);
    const before = await keysWithPrefix(suite.redis, suite.prefix);
    for (let i = 0; i < 1000; i++) {
      const view = await browser.get(i % 2 ? '/account' : `/admin?user=${userId}`);
      expect(view.status).toBe(200);
    }
    expect((await keysWithPrefix(suite.redis, suite.prefix)).sort()).toEqual(before.sort());
  });

  it('acts once for a form sent twice, and writes only then', async () => {
    const browser = await signedInBrowser('forms-once');
    await signUpAndLogIn(suite.service, 'forms-once'); // another device to sign out
    const fields = formFields((await browser.get('/account')).html, '/account/sign-out-others');
    const before = new Set(await keysWithPrefix(suite.redis, suite.prefix));
    expect((await browser.post('/account/sign-out-others', fields)).location).toBe('/account?done=others-signed-out');
    const written = (await keysWithPrefix(suite.redis, suite.prefix)).filter((key) => !before.has(key));
    expect(written.filter((key) => key.includes(':f:'))).toHaveLength(1);
    const again = await browser.post('/account/sign-out-others', fields);
    expect(again.status).toBe(200);
    expect(again.html).toContain('This form was already sent');
  });

  it('refuses a form token on another session of the same user, and on another form', async () => {
    const first = await signedInBrowser('forms-bound');
    const second = new PageClient(suite.service);
    await second.logIn('forms-bound');
    const { token: third } = await signUpAndLogIn(suite.service, 'forms-bound');
    const page = (await first.get('/account')).html;
    const fields = formFields(page, '/account/sign-out-others');
    const secondFields = formFields((await second.get('/account')).html, '/account/sign-out-others');

    const foreign = await second.post('/account/sign-out-others', { ...secondFields, _form: fields._form });
    expect(foreign.location).toBe('/account?done=form-expired');
    const otherForm = await first.post('/account/password', { ...fields, currentPassword: 'x', newPassword: 'y', newPasswordAgain: 'y' });
    expect(otherForm.location).toBe('/account?done=form-expired');
    expect((await suite.service.call('GET', '/auth/session', { token: third })).status).toBe(200);
  });
});
