/** The cookie recipe of docs/migration.md, run against the real Redis as a browser would use it. */
import request from 'supertest';
import { waitUntilReady } from '../../src';

process.env.REDIS_URL = `redis://127.0.0.1:${process.env.TESSERA_TEST_REDIS_PORT}`;
const example = require('../../examples/koaCookies') as typeof import('../../examples/koaCookies');

const SAME_ORIGIN = { 'Sec-Fetch-Site': 'same-origin' };
const cookieOf = (response: request.Response): string => {
  const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  const session = cookies.find((cookie) => cookie.startsWith('__Host-tessera='));
  if (!session) throw new Error(`no session cookie in ${JSON.stringify(cookies)}`);
  return session;
};

describe('the cookie recipe', () => {
  const server = example.app.listen(0);
  beforeAll(() => waitUntilReady(example.redis));
  afterAll(async () => {
    server.close();
    await example.redis.quit();
  });

  async function logIn(username: string): Promise<string> {
    const login = await request(server).post('/login').set(SAME_ORIGIN).type('form').send({ username, password: 'correct horse' });
    expect([login.status, login.headers.location]).toEqual([302, '/']);
    expect(cookieOf(login)).toMatch(/^__Host-tessera=tess_\w+; Max-Age=(1800|1799); Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    return cookieOf(login).split(';')[0]!;
  }

  it('signs in with a cookie, slides it on each page, and signs out with the form token', async () => {
    const cookie = await logIn('cookie-anna');
    const page = await request(server).get('/').set('Cookie', cookie);
    expect(page.status).toBe(200);
    expect(cookieOf(page).split(';')[0]).toBe(cookie);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    expect(csrf).toMatch(/^[\w-]{43}$/);

    const logout = await request(server).post('/logout').set('Cookie', cookie).set(SAME_ORIGIN).type('form').send({ _csrf: csrf });
    expect([logout.status, logout.headers.location, cookieOf(logout)]).toEqual([
      302,
      '/login',
      '__Host-tessera=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax; Secure',
    ]);

    expect((await request(server).get('/').set('Cookie', cookie)).status).toBe(401);
  });

  it('refuses an unsafe cookie request without the session’s token, or from another site', async () => {
    const cookie = await logIn('cookie-ben');
    const page = await request(server).get('/').set('Cookie', cookie);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];

    const withoutToken = await request(server).post('/logout').set('Cookie', cookie).set(SAME_ORIGIN).type('form').send({});
    const crossSite = await request(server).post('/logout').set('Cookie', cookie).set('Sec-Fetch-Site', 'cross-site').type('form').send({ _csrf: csrf });
    const wrongToken = await request(server)
      .post('/logout')
      .set('Cookie', cookie)
      .set(SAME_ORIGIN)
      .type('form')
      .send({ _csrf: 'x'.repeat(43) });
    expect([withoutToken.status, crossSite.status, wrongToken.status]).toEqual([403, 403, 403]);

    expect((await request(server).get('/').set('Cookie', cookie)).status).toBe(200);
  });

  it('refuses a log-in form posted from another site, or from a browser that names no origin', async () => {
    const form = { username: 'cookie-cleo', password: 'correct horse' };
    const crossSite = await request(server).post('/login').set('Sec-Fetch-Site', 'cross-site').type('form').send(form);
    const silent = await request(server).post('/login').type('form').send(form);
    expect([crossSite.status, silent.status]).toEqual([403, 403]);
    expect(crossSite.headers['set-cookie']).toBeUndefined();
  });
});
