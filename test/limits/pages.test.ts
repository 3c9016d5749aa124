import { BACKENDS } from '../support/backends';
import { hiddenFields, PageClient } from '../support/pageClient';
import { signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';

describe.each(BACKENDS)('throttles on the log-in and register forms on $name Redis', (backend) => {
  const suite = useService(backend, { COOKIE_TRANSPORT: 'on', COOKIE_SECURE: 'off', TRUST_PROXY: 'on' });
  beforeAll(() => signUpAndLogIn(suite.service, 'page-user'));

  it('shares the failed-login count with the JSON API and shows the lockout on the form', async () => {
    const from = { 'x-forwarded-for': '198.51.100.31' };
    for (let i = 0; i < 3; i++) {
      const api = await suite.service.call('POST', '/auth/login', { body: { username: 'page-user', password: 'wrong password' }, headers: from });
      expect(api.status).toBe(401);
    }
    const visitor = new PageClient(suite.service);
    const fields = hiddenFields((await visitor.get('/login')).html);
    for (let i = 0; i < 2; i++) expect((await visitor.post('/login', { ...fields, username: 'page-user', password: 'wrong password' }, from)).status).toBe(401);

    const refused = await visitor.post('/login', { ...fields, username: 'page-user', password: 'correct horse battery' }, from);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
    expect(refused.html).toContain('Too many attempts; try again in');
    expect(refused.html).toContain('value="page-user"');
    const api = await suite.service.call('POST', '/auth/login', { body: { username: 'page-user', password: 'correct horse battery' }, headers: from });
    expect(api.status).toBe(429);
  });

  it('shows the registration limit on the register form', async () => {
    const from = { 'x-forwarded-for': '198.51.100.32' };
    for (let i = 0; i < 20; i++) {
      const made = await suite.service.call('POST', '/auth/register', {
        body: { username: `page-new-${i}`, password: 'correct horse battery' },
        headers: from,
      });
      expect(made.status).toBe(201);
    }
    const visitor = new PageClient(suite.service);
    const fields = hiddenFields((await visitor.get('/register')).html);
    const refused = await visitor.post('/register', { ...fields, username: 'one-too-many', password: 'correct horse battery' }, from);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect(refused.html).toContain('Too many attempts');
  });
});

describe('paged session lists on the pages', () => {
  const suite = useService(BACKENDS[0], {
    COOKIE_TRANSPORT: 'on',
    COOKIE_SECURE: 'off',
    MAX_SESSIONS_PER_USER: 'unlimited',
    ADMIN_USERNAME: 'root',
    ADMIN_PASSWORD: 'correct horse battery',
  });

  it('shows /account and /admin one page of 100 sessions at a time, with a link to the next', async () => {
    const { body } = await signUpAndLogIn(suite.service, 'hoarder');
    for (let i = 0; i < 104; i++) await suite.service.sessions.create(body.user.id, { device: { name: `device ${i}` } });
    const browser = new PageClient(suite.service);
    const form = hiddenFields((await browser.get('/login')).html);
    expect((await browser.post('/login', { ...form, username: 'hoarder', password: 'correct horse battery' })).status).toBe(303);
    const first = await browser.get('/account');
    expect(first.html.match(/action="\/account\/sessions\/[^"]+\/revoke"/g)).toHaveLength(100);
    expect(first.html).toContain('href="/account?page=2"');
    const second = await browser.get('/account?page=2');
    expect(second.html.match(/action="\/account\/sessions\/[^"]+\/revoke"/g)).toHaveLength(6);
    expect(second.html).not.toContain('page=3');

    const admin = new PageClient(suite.service);
    const adminForm = hiddenFields((await admin.get('/login')).html);
    expect((await admin.post('/login', { ...adminForm, username: 'root', password: 'correct horse battery' })).status).toBe(303);
    const page = await admin.get(`/admin?user=${body.user.id}&page=2`);
    expect(page.html.match(/name="sessionId"/g)).toHaveLength(6);
    expect(page.html).toContain('Previous page');
  });
});
