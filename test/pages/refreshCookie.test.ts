import { setTimeout as sleep } from 'node:timers/promises';
import { USER_FIELD } from '../../src/store/fields';
import { derivedRoutingTag } from '../../src/tokens/sessionId';
import { BACKENDS } from '../support/backends';
import { KeySpace } from '../support/keys';
import { hiddenFields, PageClient } from '../support/pageClient';
import { signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';

const SESSION = '__Host-tessera';
const REFRESH = '__Host-tessera-refresh';

describe.each(BACKENDS)('the refresh cookie of “Keep me signed in” ($name)', (backend) => {
  const suite = useService(backend, { COOKIE_TRANSPORT: 'on', SESSION_IDLE_TIMEOUT: '2s' });

  async function rememberedBrowser(username: string): Promise<{ browser: PageClient; setCookies: string[] }> {
    await signUpAndLogIn(suite.service, username);
    const browser = new PageClient(suite.service);
    const page = await browser.get('/login');
    expect(page.html).toContain('Keep me signed in');
    const answer = await browser.post('/login', { ...hiddenFields(page.html), username, password: 'correct horse battery', remember: 'on' });
    expect(answer.status).toBe(303);
    return { browser, setCookies: answer.setCookies };
  }

  /** Waits out the 2 s idle timeout, as a browser left alone would, and drops the lapsed session cookie. */
  async function lapse(browser: PageClient): Promise<void> {
    await sleep(2300);
    browser.cookies.delete(SESSION);
  }

  it('keeps the refresh token in its own HttpOnly __Host- cookie, and only when asked', async () => {
    const { setCookies } = await rememberedBrowser('cookie-keeper');
    expect(setCookies.find((c) => c.startsWith(`${REFRESH}=`))).toMatch(
      /^__Host-tessera-refresh=tessr_[0-9A-Za-z]{54}; Max-Age=259(1999|2000); Path=\/; HttpOnly; SameSite=Lax; Secure$/,
    );
    await signUpAndLogIn(suite.service, 'cookie-forgetter');
    const plain = new PageClient(suite.service);
    const answer = await plain.logIn('cookie-forgetter');
    expect(plain.cookies.has(REFRESH)).toBe(false);
    expect(answer.setCookies.some((c) => c.startsWith(`${REFRESH}=;`))).toBe(true);
  });

  it('signs a page back in when the session has lapsed and shows until when it is kept', async () => {
    const { browser } = await rememberedBrowser('cookie-return');
    const before = browser.cookies.get(REFRESH);
    await lapse(browser);
    const page = await browser.get('/account');
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/until <time datetime="[^"]+">/);
    expect(browser.cookies.get(SESSION)).toMatch(/^tess_/);
    expect(browser.cookies.get(REFRESH)).toMatch(/^tessr_/);
    expect(browser.cookies.get(REFRESH)).not.toBe(before);
  });

  it('signs no page back in for an account that is gone, as POST /auth/refresh would not', async () => {
    const { browser } = await rememberedBrowser('cookie-vanished');
    const user = await suite.service.accounts.findByUsername('cookie-vanished');
    const tag = derivedRoutingTag(user!.id);
    // The account's fields leave the user hash; its sessions and refresh family are still there.
    await suite.redis.hdel(new KeySpace(suite.prefix).forUser(tag).user, USER_FIELD.username, USER_FIELD.passwordHash);
    await lapse(browser);
    const page = await browser.get('/account');
    expect(page.status).toBe(303);
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(browser.cookies.has(REFRESH)).toBe(false);
  });

  it('refreshes through POST /auth/refresh with the cookie, keeping the tokens out of the body', async () => {
    const { browser } = await rememberedBrowser('cookie-api');
    await lapse(browser);
    const answer = await browser.send('POST', '/auth/refresh', undefined);
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.html) as Record<string, unknown>;
    expect(body.token).toBeUndefined();
    expect(body.refreshToken).toBeUndefined();
    expect(body.refreshExpiresAt).toEqual(expect.any(String));
    expect(answer.headers.get('x-csrf-token')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await browser.get('/auth/session')).status).toBe(200);
  });

  it('refuses a cookie refresh that does not come from the site’s own pages', async () => {
    const { browser } = await rememberedBrowser('cookie-csrf');
    const elsewhere: Record<string, string>[] = [{ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, {}];
    for (const headers of elsewhere) {
      const foreign = new PageClient(suite.service, headers);
      foreign.cookies.set(REFRESH, browser.cookies.get(REFRESH)!);
      const answer = await foreign.send('POST', '/auth/refresh', undefined);
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.html)).toMatchObject({ type: 'urn:tessera:problem:csrf-rejected' });
    }
  });

  it('forgets the refresh cookie at sign-out, and the login it held ends', async () => {
    const { browser } = await rememberedBrowser('cookie-out');
    const stolen = browser.cookies.get(REFRESH)!;
    const account = await browser.get('/account');
    const out = await browser.post('/logout', hiddenFields(account.html));
    expect(out.status).toBe(303);
    expect(browser.cookies.has(REFRESH)).toBe(false);
    const refused = await suite.service.call('POST', '/auth/refresh', { body: { refreshToken: stolen } });
    expect(refused.status).toBe(401);
  });
});
