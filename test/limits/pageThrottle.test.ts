import type { Cluster, Redis } from 'ioredis';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { hiddenFields, PageClient } from '../support/pageClient';
import { signUpAndLogIn, startTestService, type TestService } from '../support/service';

describe.each(BACKENDS)('throttles on the log-in and register forms on $name Redis', (backend) => {
  let redis: Redis | Cluster;
  let service: TestService;

  beforeAll(async () => {
    redis = await backend.connect();
    service = await startTestService(redis, { KEY_PREFIX: uniquePrefix(), COOKIE_TRANSPORT: 'on', COOKIE_SECURE: 'off', TRUST_PROXY: 'on' });
    await signUpAndLogIn(service, 'page-user');
  });
  afterAll(async () => {
    await service.close();
    await redis.quit();
  });

  it('shares the failed-login count with the JSON API and shows the lockout on the form', async () => {
    const from = { 'x-forwarded-for': '198.51.100.31' };
    for (let i = 0; i < 3; i++) {
      const api = await service.call('POST', '/auth/login', { body: { username: 'page-user', password: 'wrong password' }, headers: from });
      expect(api.status).toBe(401);
    }
    const visitor = new PageClient(service);
    const fields = hiddenFields((await visitor.get('/login')).html);
    for (let i = 0; i < 2; i++) expect((await visitor.post('/login', { ...fields, username: 'page-user', password: 'wrong password' }, from)).status).toBe(401);

    const refused = await visitor.post('/login', { ...fields, username: 'page-user', password: 'correct horse battery' }, from);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
    expect(refused.html).toContain('Too many attempts; try again in');
    expect(refused.html).toContain('value="page-user"');
    const api = await service.call('POST', '/auth/login', { body: { username: 'page-user', password: 'correct horse battery' }, headers: from });
    expect(api.status).toBe(429);
  });

  it('shows the registration limit on the register form', async () => {
    const from = { 'x-forwarded-for': '198.51.100.32' };
    for (let i = 0; i < 20; i++) {
      const made = await service.call('POST', '/auth/register', { body: { username: `page-new-${i}`, password: 'correct horse battery' }, headers: from });
      expect(made.status).toBe(201);
    }
    const visitor = new PageClient(service);
    const fields = hiddenFields((await visitor.get('/register')).html);
    const refused = await visitor.post('/register', { ...fields, username: 'one-too-many', password: 'correct horse battery' }, from);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect(refused.html).toContain('Too many attempts');
  });
});
