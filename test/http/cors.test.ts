/**
 * CORS_ORIGINS in the service: only an origin listed exactly gets CORS headers (preflights
 * answered 204 before any route runs, answers exposing what the client SDK reads), never `*`, and
 * no look-alike is taken for a listed origin. Unset, the service sends no CORS header at all.
 */
import { BACKENDS } from '../support/backends';
import { signUpAndLogIn, type TestService } from '../support/service';
import { useServices } from '../support/serviceFixture';

const LISTED = 'https://app.example.com';
const OTHER_LISTED = 'http://localhost:5173';
const LOOK_ALIKES = [
  'https://app.example.com.evil.test',
  'https://evil-app.example.com',
  'https://evilapp.example.com',
  'https://app.example.co',
  'http://app.example.com',
  'https://app.example.com/',
  'https://app.example.com:8443',
  'https://APP.example.com',
  'null',
];

const corsHeadersOf = (response: Response) => [...response.headers].filter(([name]) => name.startsWith('access-control-'));

const preflight = (service: TestService, path: string, origin: string) =>
  fetch(service.url + path, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type, dpop' },
  });

describe('CORS in the service', () => {
  const suite = useServices(BACKENDS[0]);

  it('sends no CORS header at all when CORS_ORIGINS is unset', async () => {
    const service = await suite.serve();
    const answer = await fetch(`${service.url}/auth/session`, { headers: { Origin: LISTED } });
    expect(corsHeadersOf(answer)).toEqual([]);
    expect(answer.headers.get('vary') ?? '').not.toMatch(/origin/i);
    const asked = await preflight(service, '/auth/login', LISTED);
    expect(corsHeadersOf(asked)).toEqual([]);
    expect(asked.status).not.toBe(204);
  });

  it('answers a preflight from a listed origin with 204 before any route or guard runs', async () => {
    const service = await suite.serve({ CORS_ORIGINS: `${LISTED},${OTHER_LISTED}` });
    for (const [origin, path] of [
      [LISTED, '/auth/login'],
      [OTHER_LISTED, '/auth/sessions'],
      [LISTED, '/no/such/route'],
    ]) {
      const answer = await preflight(service, path, origin);
      expect(answer.status).toBe(204);
      expect(Object.fromEntries(corsHeadersOf(answer))).toEqual({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
        'access-control-allow-headers': 'Authorization, Content-Type, DPoP, X-CSRF-Token, Idempotency-Key',
        'access-control-max-age': '600',
      });
      expect(answer.headers.get('vary')).toMatch(/\bOrigin\b/);
      expect(await answer.text()).toBe('');
    }
  });

  it('lets a listed origin read answers, errors included, and the headers the client SDK reads', async () => {
    const service = await suite.serve({ CORS_ORIGINS: LISTED });
    const { token } = await signUpAndLogIn(service, 'cors-reader');
    const signedIn = await fetch(`${service.url}/auth/session`, { headers: { Origin: LISTED, Authorization: `Bearer ${token}` } });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(signedIn.headers.get('access-control-expose-headers')).toBe('Session-Expires, DPoP-Nonce, WWW-Authenticate, X-CSRF-Token, Retry-After');
    expect(signedIn.headers.get('access-control-allow-credentials')).toBeNull();
    expect(signedIn.headers.get('vary')).toMatch(/\bOrigin\b/);

    const refused = await fetch(`${service.url}/auth/session`, { headers: { Origin: LISTED, Authorization: 'Bearer tess_not-a-live-one' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(refused.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
  });

  it('refuses every look-alike of a listed origin, in preflights and in answers, and never answers *', async () => {
    const service = await suite.serve({ CORS_ORIGINS: LISTED });
    const { token } = await signUpAndLogIn(service, 'cors-look-alike');
    for (const origin of LOOK_ALIKES) {
      const asked = await preflight(service, '/auth/login', origin);
      expect([origin, asked.status === 204, corsHeadersOf(asked)]).toEqual([origin, false, []]);
      const answer = await fetch(`${service.url}/auth/session`, { headers: { Origin: origin, Authorization: `Bearer ${token}` } });
      expect([origin, corsHeadersOf(answer)]).toEqual([origin, []]);
      // The answer still varies by origin: a cache must not hand it to the listed one, or the other way round.
      expect(answer.headers.get('vary')).toMatch(/\bOrigin\b/);
    }
    const none = await fetch(`${service.url}/auth/session`, { headers: { Authorization: `Bearer ${token}` } });
    expect(corsHeadersOf(none)).toEqual([]);
  });

  it('allows credentials only with the cookie transport on', async () => {
    const withCookies = await suite.serve({ CORS_ORIGINS: LISTED, COOKIE_TRANSPORT: 'on', COOKIE_SECURE: 'off' });
    const asked = await preflight(withCookies, '/auth/login', LISTED);
    expect(asked.headers.get('access-control-allow-credentials')).toBe('true');
    const answer = await fetch(`${withCookies.url}/auth/session`, { headers: { Origin: LISTED } });
    expect([answer.headers.get('access-control-allow-origin'), answer.headers.get('access-control-allow-credentials')]).toEqual([LISTED, 'true']);
    const lookAlike = await preflight(withCookies, '/auth/login', `${LISTED}.evil.test`);
    expect(corsHeadersOf(lookAlike)).toEqual([]);
  });

  it('lets a listed origin write by cookie with the CSRF token, and nothing else', async () => {
    const service = await suite.serve({ CORS_ORIGINS: LISTED, COOKIE_TRANSPORT: 'on', COOKIE_SECURE: 'off' });
    await service.accounts.createAccount('cors-cookie', 'correct horse battery');
    const login = await fetch(`${service.url}/auth/login`, {
      method: 'POST',
      headers: { Origin: LISTED, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'cors-cookie', password: 'correct horse battery' }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .map((line) => line.slice(0, line.indexOf(';')))
      .join('; ');
    const session = await fetch(`${service.url}/auth/session`, { headers: { Origin: LISTED, cookie } });
    const csrf = session.headers.get('x-csrf-token')!;
    expect([session.status, typeof csrf]).toEqual([200, 'string']);
    // What a browser sends from a page on another origin of the same site.
    const fromPage = (origin: string, path: string, headers: Record<string, string> = {}) =>
      fetch(service.url + path, { method: 'POST', redirect: 'manual', headers: { Origin: origin, 'Sec-Fetch-Site': 'same-site', cookie, ...headers } });

    for (const origin of LOOK_ALIKES) expect([origin, (await fromPage(origin, '/auth/logout', { 'x-csrf-token': csrf })).status]).toEqual([origin, 403]);
    expect((await fromPage(LISTED, '/auth/logout')).status).toBe(403);
    expect((await fromPage(LISTED, '/auth/logout', { 'x-csrf-token': 'not-the-token' })).status).toBe(403);
    // The page forms stay same-origin only, token or not.
    expect((await fromPage(LISTED, '/account/sign-out-others', { 'x-csrf-token': csrf })).status).toBe(403);
    expect((await fetch(`${service.url}/auth/session`, { headers: { cookie } })).status).toBe(200);

    expect((await fromPage(LISTED, '/auth/logout', { 'x-csrf-token': csrf })).status).toBe(204);
    expect((await fetch(`${service.url}/auth/session`, { headers: { cookie } })).status).toBe(401);
  });
});
