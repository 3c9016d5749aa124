import { BACKENDS, uniquePrefix } from '../support/backends';
import { hiddenFields, PageClient } from '../support/pageClient';
import { keysWithPrefix } from '../support/redisInspect';
import { signUpAndLogIn, startTestService } from '../support/service';
import { useService } from '../support/serviceFixture';
import { KeySpace } from '../support/keys';

describe.each(BACKENDS)('anonymous visitors on $name Redis', (backend) => {
  const suite = useService(backend, { COOKIE_TRANSPORT: 'on', COOKIE_SECURE: 'off', TRUST_PROXY: 'on' });
  beforeAll(() => signUpAndLogIn(suite.service, 'existing-user'));

  const keys = async () => (await keysWithPrefix(suite.redis, `${suite.prefix}:`)).sort();

  it('add no Redis key with 1,000 views of the login and register pages', async () => {
    const before = await keys();
    for (let i = 0; i < 1000; i += 50) {
      const views = await Promise.all(
        Array.from({ length: 50 }, (_, j) => fetch(`${suite.service.url}/${(i + j) % 2 ? 'login' : 'register'}?next=/account/${i + j}`)),
      );
      for (const view of views) {
        expect(view.status).toBe(200);
        expect(await view.text()).toContain('name="_form"');
      }
    }
    expect(await keys()).toEqual(before);
  });

  it('add none with failed log-in and register forms either, beyond the capped sign-in stream and expiring throttle counters', async () => {
    const visitor = new PageClient(suite.service);
    const fields = hiddenFields((await visitor.get('/login')).html);
    // From an address of its own, so its throttling leaves the other tests alone.
    const from = { 'x-forwarded-for': '198.51.100.77' };
    // The first failed login may create the sign-in stream itself; after that, nothing new.
    await visitor.post('/login', { ...fields, username: 'existing-user', password: 'not-the-password' }, from);
    const before = await keys();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      const answers = await Promise.all([
        visitor.post('/login', { ...fields, username: 'existing-user', password: `guess-${i}` }, from),
        visitor.post('/login', { ...fields, username: `nobody-${i}`, password: `guess-${i}` }, from),
        visitor.post('/login', { ...fields, username: '', password: '' }, from),
        visitor.post('/login', { _form: 'forged.AAAAAAAAAAAAAAAAAAAAAA', username: `nobody-${i}`, password: `guess-${i}` }, from),
        visitor.post('/register', { ...hiddenFields((await visitor.get('/register')).html), username: 'x', password: 'short' }, from),
        visitor.post('/register', { ...hiddenFields((await visitor.get('/register')).html), username: 'existing-user', password: `guess-${i}-long` }, from),
      ]);
      const [known, unknown, empty, forged, invalid, taken] = answers.map((a) => a.status);
      expect([empty, forged, invalid]).toEqual([400, 400, 400]);
      expect([401, 429]).toContain(known);
      expect([401, 429]).toContain(unknown);
      expect([409, 429]).toContain(taken);
      statuses.push(known, unknown, taken);
    }
    expect(statuses).toContain(429);
    const added = (await keys()).filter((key) => !before.includes(key));
    expect(added.length).toBeGreaterThan(0);
    for (const key of added) {
      expect(key.startsWith(new KeySpace(suite.prefix).throttle(''))).toBe(true);
      expect(await suite.redis.pttl(key)).toBeGreaterThan(0);
    }
    expect(before.filter((key) => key.includes(':audit'))).toEqual([new KeySpace(suite.prefix).signInAudit()]);
  });

  it('ends signed in when a log-in or register form is sent twice, without a one-time token', async () => {
    const visitor = new PageClient(suite.service);
    const login = hiddenFields((await visitor.get('/login')).html);
    const twice = await Promise.all([1, 2].map(() => visitor.post('/login', { ...login, username: 'existing-user', password: 'correct horse battery' })));
    expect(twice.map((a) => [a.status, a.location])).toEqual([
      [303, '/account'],
      [303, '/account'],
    ]);

    const newcomer = new PageClient(suite.service);
    const register = hiddenFields((await newcomer.get('/register')).html);
    const form = { ...register, username: 'double-clicker', password: 'two-clicks-secret' };
    const first = await newcomer.post('/register', form);
    const second = await newcomer.post('/register', form);
    expect([first.status, second.status]).toEqual([303, 303]);
    expect((await newcomer.get('/account')).html).toContain('double-clicker');
    const taken = await new PageClient(suite.service).post('/register', { ...register, username: 'double-clicker', password: 'someone-elses-password' });
    expect(taken.status).toBe(409);
    expect(taken.html).toContain('That username is taken.');
  });

  it.each([
    ['the key kept in Redis', {}],
    ['FORM_SECRET', { FORM_SECRET: 'a-long-secret-shared-by-every-instance-0123' }],
  ])('accepts a form rendered by another instance under %s', async (_name, env: Record<string, string>) => {
    const shared = uniquePrefix();
    const [a, b] = await Promise.all(
      [1, 2].map(() => startTestService(suite.redis, { KEY_PREFIX: shared, COOKIE_TRANSPORT: 'on', COOKIE_SECURE: 'off', ...env })),
    );
    try {
      await signUpAndLogIn(a, 'roaming-user');
      const fields = hiddenFields((await new PageClient(a).get('/login')).html);
      const answer = await new PageClient(b).post('/login', { ...fields, username: 'roaming-user', password: 'correct horse battery' });
      expect(answer.status).toBe(303);
      expect(await suite.redis.exists(new KeySpace(shared).formSigningKey())).toBe(env.FORM_SECRET ? 0 : 1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
