import { BACKENDS } from '../support/backends';
import { formFields } from '../support/pageClient';
import { useService } from '../support/serviceFixture';

/** What curl -c/-b or requests.Session keeps: cookies by name, updated from every answer. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  header(): Record<string, string> {
    return this.cookies.size === 0 ? {} : { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  keep(response: Response): Response {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (value === '' || attributes.some((attribute) => attribute.toLowerCase() === 'max-age=0')) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }
}

describe('scripts sign in without a browser: plain fetch and a cookie jar', () => {
  const suite = useService(BACKENDS[0], { COOKIE_TRANSPORT: 'on', COOKIE_SECURE: 'off' });
  beforeAll(() => suite.service.accounts.createAccount('scripted', 'correct horse battery'));

  const send = (jar: CookieJar, method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) =>
    fetch(suite.service.url + path, { method, redirect: 'manual', headers: { ...jar.header(), ...init.headers }, body: init.body }).then((response) =>
      jar.keep(response),
    );

  it('signs in with JSON POST /auth/login, uses the cookie, and signs out with the CSRF token', async () => {
    const jar = new CookieJar();
    const login = await send(jar, 'POST', '/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'scripted', password: 'correct horse battery' }),
    });
    expect(login.status).toBe(200);
    expect(jar.has('tessera')).toBe(true);

    const session = await send(jar, 'GET', '/auth/session');
    expect(session.status).toBe(200);
    expect(((await session.json()) as { user: { username: string } }).user.username).toBe('scripted');
    expect((await send(jar, 'GET', '/account')).status).toBe(200);

    const csrf = session.headers.get('x-csrf-token');
    expect(csrf).toEqual(expect.any(String));
    expect((await send(jar, 'POST', '/auth/logout')).status).toBe(403);
    expect((await send(jar, 'POST', '/auth/logout', { headers: { 'x-csrf-token': csrf! } })).status).toBe(204);
    expect(jar.has('tessera')).toBe(false);
    expect((await send(jar, 'GET', '/auth/session')).status).toBe(401);
  });

  it('signs in with the /login form when it sends Origin, and is refused without it', async () => {
    const jar = new CookieJar();
    const form = await (await send(jar, 'GET', '/login')).text();
    const fields = new URLSearchParams({ ...formFields(form, '/login'), username: 'scripted', password: 'correct horse battery' }).toString();
    const asForm = { 'content-type': 'application/x-www-form-urlencoded' };

    const refused = await send(jar, 'POST', '/login', { headers: asForm, body: fields });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { type: string }).type).toBe('urn:tessera:problem:csrf-rejected');
    expect(jar.has('tessera')).toBe(false);

    const signedIn = await send(jar, 'POST', '/login', { headers: { ...asForm, origin: suite.service.url }, body: fields });
    expect(signedIn.status).toBe(303);
    expect(jar.has('tessera')).toBe(true);
    expect((await send(jar, 'GET', '/auth/session')).status).toBe(200);
  });
});
