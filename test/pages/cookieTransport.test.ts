import { BACKENDS, uniquePrefix } from '../support/backends';
import { formFields, hiddenFields, PageClient } from '../support/pageClient';
import { signUpAndLogIn, startTestService } from '../support/service';
import { useService } from '../support/serviceFixture';

const COOKIE = '__Host-tessera';

describe.each(BACKENDS)('the cookie transport and its CSRF defence ($name)', (backend) => {
  // Every user of this suite registers from 127.0.0.1; the registration limit has its own tests.
  const suite = useService(backend, { COOKIE_TRANSPORT: 'on', SESSION_IDLE_TIMEOUT: '10m', REGISTRATIONS_PER_ADDRESS: '1000' });

  async function signedInBrowser(username: string): Promise<PageClient> {
    await signUpAndLogIn(suite.service, username);
    const browser = new PageClient(suite.service);
    await browser.logIn(username);
    return browser;
  }

  it('logs in through the form into an HttpOnly, Secure, SameSite=Lax __Host- cookie whose Max-Age is the idle timeout', async () => {
    await signUpAndLogIn(suite.service, 'cookie-anna');
    const browser = new PageClient(suite.service);
    const answer = await browser.logIn('cookie-anna', 'correct horse battery', '/account?tab=devices');
    expect(answer.location).toBe('/account?tab=devices');
    const cookie = answer.setCookies.find((c) => c.startsWith(`${COOKIE}=`));
    expect(cookie).toMatch(/^__Host-tessera=tess_[0-9A-Za-z]+; Max-Age=(599|600); Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    expect(cookie).not.toMatch(/Domain=/i);
    expect((await browser.get('/account')).status).toBe(200);
  });

  it('sends / to the log-in page when signed out, and to the account when signed in', async () => {
    const visitor = new PageClient(suite.service);
    const home = await visitor.get('/');
    expect([home.status, home.location]).toEqual([302, '/login']);
    const browser = await signedInBrowser('cookie-home');
    expect((await browser.get('/')).location).toBe('/account');
  });

  it('slides the cookie’s Max-Age with the session on every authenticated request', async () => {
    const browser = await signedInBrowser('cookie-slide');
    const answer = await browser.get('/auth/session');
    expect(answer.status).toBe(200);
    const expiresAt = Date.parse(answer.headers.get('session-expires')!);
    const maxAge = Number(/Max-Age=(\d+)/.exec(answer.setCookies.find((c) => c.startsWith(COOKIE))!)![1]);
    expect(Math.abs(Date.now() + maxAge * 1000 - expiresAt)).toBeLessThan(2000);
  });

  it('lets the Authorization header win when both transports are sent', async () => {
    const browser = await signedInBrowser('cookie-owner');
    const { token } = await signUpAndLogIn(suite.service, 'header-owner');
    const answer = await browser.get('/auth/session', { authorization: `Bearer ${token}` });
    expect((JSON.parse(answer.html) as { user: { username: string } }).user.username).toBe('header-owner');
    // The header-authenticated request leaves the cookie alone.
    expect(answer.setCookies).toEqual([]);
  });

  it('clears the cookie on logout, through the page and through the JSON API', async () => {
    const viaPage = await signedInBrowser('cookie-bye');
    const account = await viaPage.get('/account');
    const out = await viaPage.post('/logout', hiddenFields(account.html));
    expect(out.status).toBe(303);
    expect(out.setCookies).toContainEqual(expect.stringMatching(/^__Host-tessera=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax; Secure$/));
    expect(viaPage.cookies.has(COOKIE)).toBe(false);

    const viaApi = await signedInBrowser('cookie-bye-api');
    const session = await viaApi.get('/auth/session');
    const token = viaApi.cookies.get(COOKIE)!;
    const logout = await viaApi.send('POST', '/auth/logout', undefined, { 'x-csrf-token': session.headers.get('x-csrf-token')! });
    expect(logout.status).toBe(204);
    expect(logout.setCookies).toContainEqual(expect.stringMatching(/^__Host-tessera=; Max-Age=0/));
    expect((await suite.service.call('GET', '/auth/session', { token })).status).toBe(401);
  });

  it('refuses a cookie-authenticated unsafe request without the CSRF token, or with a wrong one, and the session lives on', async () => {
    const browser = await signedInBrowser('csrf-victim');
    for (const headers of [{}, { 'x-csrf-token': 'not-the-token' }] as Record<string, string>[]) {
      const answer = await browser.send('POST', '/auth/logout-all', undefined, headers);
      expect(answer.status).toBe(403);
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(answer.html)).toMatchObject({ type: 'urn:tessera:problem:csrf-rejected', status: 403 });
    }
    const formWithoutToken = await browser.post('/account/sign-out-others', { _form: 'x'.repeat(22) });
    expect(formWithoutToken.status).toBe(403);
    expect((await browser.get('/auth/session')).status).toBe(200);
  });

  it('refuses a request from another origin even with the right token', async () => {
    const browser = await signedInBrowser('csrf-origin');
    const token = (await browser.get('/auth/session')).headers.get('x-csrf-token')!;
    const foreignOrigin = await browser.send('POST', '/auth/logout', undefined, { 'x-csrf-token': token, origin: 'http://evil.example' });
    expect(foreignOrigin.status).toBe(403);
    const crossSite = await browser.send('POST', '/auth/logout', undefined, {
      'x-csrf-token': token,
      'sec-fetch-site': 'cross-site',
      origin: suite.service.url,
    });
    expect(crossSite.status).toBe(403);
    const crossSiteLogin = await new PageClient(suite.service, { origin: 'http://evil.example' }).post('/login', {
      username: 'csrf-origin',
      password: 'correct horse battery',
    });
    expect(crossSiteLogin.status).toBe(403);
    const sameSite = await browser.send('POST', '/auth/logout', undefined, { 'x-csrf-token': token, 'sec-fetch-site': 'same-site', origin: suite.service.url });
    expect(sameSite.status).toBe(403);
    // A sign-in form checks no synchronizer token, so saying nothing of its origin is not enough.
    const silent = new PageClient(suite.service, {});
    const loginForm = hiddenFields((await silent.get('/login')).html);
    const silentLogin = await silent.post('/login', { ...loginForm, username: 'csrf-origin', password: 'correct horse battery' });
    expect(silentLogin.status).toBe(403);
    expect(silentLogin.setCookies).toEqual([]);
    expect((await browser.get('/auth/session')).status).toBe(200);
    expect((await browser.send('POST', '/auth/logout', undefined, { 'x-csrf-token': token })).status).toBe(204);
  });

  it('asks nothing of header-authenticated requests', async () => {
    const { token } = await signUpAndLogIn(suite.service, 'header-only');
    const answer = await suite.service.call('POST', '/auth/logout', { token, headers: { origin: 'http://elsewhere.example', 'sec-fetch-site': 'cross-site' } });
    expect(answer.status).toBe(204);
  });

  it('acts once on a form sent twice, and says so the second time', async () => {
    const browser = await signedInBrowser('double-submit');
    await signUpAndLogIn(suite.service, 'double-submit'); // another device to sign out
    const account = await browser.get('/account');
    const fields = formFields(account.html, '/account/sign-out-others');
    const answers = await Promise.all([browser.post('/account/sign-out-others', fields), browser.post('/account/sign-out-others', fields)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 303]);
    expect(answers.find((a) => a.status === 200)!.html).toContain('Already done');
    const again = await browser.post('/account/sign-out-others', fields);
    expect(again.status).toBe(200);
    expect(again.html).toContain('This form was already sent');
    const audit = await suite.service.admin.audit.page(100, undefined, 'sign-in');
    expect(audit.entries.filter((e) => e.type === 'logout-all' && e.actor.name === 'double-submit')).toHaveLength(1);
  });

  it('does nothing for an unknown or expired form token, and says so', async () => {
    const browser = await signedInBrowser('stale-form');
    const { token: other } = await signUpAndLogIn(suite.service, 'stale-form');
    const fields = formFields((await browser.get('/account')).html, '/account/sign-out-others');
    const answer = await browser.post('/account/sign-out-others', { ...fields, _form: 'AAAAAAAAAAAAAAAAAAAAAA' });
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/account?done=form-expired');
    expect((await browser.get(answer.location!)).html).toContain('That form had expired, so nothing was done');
    expect((await suite.service.call('GET', '/auth/session', { token: other })).status).toBe(200);
  });

  it('sends a signed-out visitor to the login page and back, and never off the origin', async () => {
    const visitor = new PageClient(suite.service);
    const account = await visitor.get('/account');
    expect(account.status).toBe(303);
    expect(account.location).toBe('/login?next=%2Faccount');
    await signUpAndLogIn(suite.service, 'redirected');
    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example', 'javascript:alert(1)']) {
      const page = await visitor.get(`/login?next=${encodeURIComponent(next)}`);
      expect(hiddenFields(page.html).next).toBe('/account');
      const posted = await new PageClient(suite.service).post('/login', {
        ...hiddenFields(page.html),
        next,
        username: 'redirected',
        password: 'correct horse battery',
      });
      expect(posted.status).toBe(303);
      expect(posted.location).toBe('/account');
    }
  });

  it('shows a wrong password in place, keeping the username, and lets the user try again', async () => {
    await signUpAndLogIn(suite.service, 'typo-user');
    const browser = new PageClient(suite.service);
    const page = await browser.get('/login');
    const wrong = await browser.post('/login', { ...hiddenFields(page.html), username: 'typo-user', password: 'wrong password' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(wrong.html).toContain('Wrong username or password.');
    expect(wrong.html).toContain('value="typo-user"');
    const empty = await browser.post('/login', { ...hiddenFields(wrong.html), username: '', password: '' });
    expect(empty.status).toBe(400);
    expect(empty.html).toContain('Enter your username.');
    expect(empty.html).toContain('aria-invalid="true"');
    const right = await browser.post('/login', { ...hiddenFields(empty.html), username: 'typo-user', password: 'correct horse battery' });
    expect(right.status).toBe(303);
  });

  it('keeps the text of a form sent after its session lapsed, through the login and back', async () => {
    const { body: target } = await signUpAndLogIn(suite.service, 'ban-target');
    const adminName = 'page-admin';
    await suite.service.accounts.createAccount(adminName, 'correct horse battery', ['admin']);
    const browser = new PageClient(suite.service);
    await browser.logIn(adminName);
    const page = await browser.get(`/admin?user=${target.user.id}`);
    expect(page.status).toBe(200);
    const fields = formFields(page.html, '/admin/do/ban');
    await suite.service.sessions.revokeAll((await suite.service.accounts.findByUsername(adminName))!.id); // lapses elsewhere

    const sent = await browser.post('/admin/do/ban', { ...fields, reason: 'Spam <b>links</b> & abuse', until: '' });
    expect(sent.status).toBe(303);
    const login = new URL(sent.location!, suite.service.url);
    expect(login.pathname).toBe('/login');
    expect(login.searchParams.get('reason')).toBe('expired');
    const next = login.searchParams.get('next')!;
    expect(next).toBe(`/admin?user=${target.user.id}&draft=1`);
    const loginPage = await browser.get(sent.location!);
    expect(loginPage.html).toContain('the text you typed is kept, passwords are not');

    expect(sent.setCookies).toContainEqual(
      expect.stringMatching(/^__Host-tessera-draft=[A-Za-z0-9_-]+; Max-Age=1800; Path=\/; HttpOnly; SameSite=Lax; Secure$/),
    );
    // Someone else handed the same link sees no draft: it belongs to the browser that typed it.
    const stranger = new PageClient(suite.service);
    await stranger.logIn(adminName, 'correct horse battery', next);
    expect((await stranger.get(next)).html).not.toContain('Spam');

    const back = await browser.logIn(adminName, 'correct horse battery', next);
    expect(back.location).toBe(next);
    const restored = await browser.get(next);
    expect(restored.html).toContain('>Spam &lt;b&gt;links&lt;/b&gt; &amp; abuse</textarea>');
    // Nothing was done while the session was gone, and the draft is read once.
    expect((await suite.service.admin.getUser(target.user.id)).ban).toBeNull();
    expect((await browser.get(next)).html).toContain('></textarea>');
  });

  it('bans with a reason and an end from the admin page, and shows it in the audit entries', async () => {
    const { body: target } = await signUpAndLogIn(suite.service, 'ban-me');
    await suite.service.accounts.createAccount('page-admin-2', 'correct horse battery', ['admin']);
    const browser = new PageClient(suite.service);
    await browser.logIn('page-admin-2');
    const page = await browser.get(`/admin?q=ban-m`);
    expect(page.html).toContain(`href="/admin?user=${target.user.id}&amp;q=ban-m"`);
    const userPage = await browser.get(`/admin?user=${target.user.id}`);
    const bad = await browser.post('/admin/do/ban', { ...formFields(userPage.html, '/admin/do/ban'), reason: '  ', until: '1999-01-01T00:00' });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('Give a reason.');
    expect(bad.html).toContain('The end must be in the future.');
    const banned = await browser.post('/admin/do/ban', { ...formFields(bad.html, '/admin/do/ban'), reason: 'spam', until: '2099-01-01T12:00' });
    expect(banned.status).toBe(303);
    const after = await browser.get(banned.location!);
    expect(after.html).toContain('The user is banned');
    expect(after.html).toContain('until 2099-01-01 12:00 UTC');
    expect(after.html).toMatch(/user\.banned<\/td><td>page-admin-2/);
    const unbanned = await browser.post('/admin/do/unban', formFields(after.html, '/admin/do/unban'));
    expect(unbanned.location).toBe(`/admin?user=${target.user.id}&done=unbanned`);
  });

  it('shows a device name and user agent such as <script> as text on /account', async () => {
    const browser = await signedInBrowser('escape-me');
    const evil = '<script>alert(1)</script>';
    await suite.service.call('POST', '/auth/login', {
      body: { username: 'escape-me', password: 'correct horse battery', device: { type: 'web', name: evil } },
      headers: { 'user-agent': `<img src=x onerror=alert(2)>` },
    });
    const page = await browser.get('/account');
    expect(page.html).not.toContain('<script>alert');
    expect(page.html).not.toContain('<img');
    expect(page.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.html).toContain('&lt;img src=x onerror=alert(2)&gt;');
  });

  it('ends the session a browser held when it logs in again through the form', async () => {
    await signUpAndLogIn(suite.service, 'relogin-a');
    await signUpAndLogIn(suite.service, 'relogin-b');
    const browser = new PageClient(suite.service);
    await browser.logIn('relogin-a');
    const first = browser.cookies.get(COOKIE)!;
    const form = await new PageClient(suite.service).get('/login');
    const again = await browser.post('/login', { ...hiddenFields(form.html), username: 'relogin-b', password: 'correct horse battery' });
    expect(again.status).toBe(303);
    expect(browser.cookies.get(COOKIE)).not.toBe(first);
    expect((await suite.service.call('GET', '/auth/session', { token: first })).status).toBe(401);
    expect(JSON.parse((await browser.get('/auth/session')).html).user.username).toBe('relogin-b');
  });

  it('registers through the form and signs the new user in; a taken name is shown in place', async () => {
    const browser = new PageClient(suite.service);
    const form = await browser.get('/register?next=%2Faccount%3Fwelcome%3D1');
    expect(form.html).toContain('<label for="username">Username</label>');
    const created = await browser.post('/register', { ...hiddenFields(form.html), username: 'newcomer-page', password: 'correct horse battery' });
    expect(created.status).toBe(303);
    expect(created.location).toBe('/account?welcome=1');
    expect((await browser.get('/account')).html).toContain('newcomer-page');

    const other = new PageClient(suite.service);
    const taken = await other.post('/register', {
      ...hiddenFields((await other.get('/register')).html),
      username: 'NEWCOMER-page',
      password: 'someone-elses-password',
    });
    expect(taken.status).toBe(409);
    expect(taken.html).toContain('That username is taken.');
    expect(taken.html).toContain('value="NEWCOMER-page"');
    const invalid = await other.post('/register', { ...hiddenFields(taken.html), username: 'x', password: 'short' });
    expect(invalid.status).toBe(400);
    expect(invalid.html).toContain('must be 3-32 letters');
    expect(invalid.html).toContain('must be at least 8 characters');
  });

  it('has no /register when sign-up is off', async () => {
    const closed = await startTestService(suite.redis, { KEY_PREFIX: uniquePrefix(), COOKIE_TRANSPORT: 'on', SIGNUP: 'off' });
    try {
      const visitor = new PageClient(closed);
      expect((await visitor.get('/register')).status).toBe(404);
      expect((await visitor.get('/login')).html).not.toContain('/register');
    } finally {
      await closed.close();
    }
  });

  it('keeps /admin for admins', async () => {
    const browser = await signedInBrowser('not-admin');
    const answer = await browser.get('/admin');
    expect(answer.status).toBe(403);
    expect(answer.html).toContain('This page needs the admin role.');
  });
});
