/**
 * The pages in a real browser: headless Chromium against the real service on a free port, with
 * screenshots of /login, /account and /admin saved to test-artifacts/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { BACKENDS } from '../support/backends';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { logIn, signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';

const SCREENSHOTS = path.resolve(__dirname, '../../test-artifacts/screenshots');
const PASSWORD = 'correct horse battery';

describe('the pages in headless Chromium', () => {
  // A real bcrypt cost makes a password change slow enough that a second click lands before its answer.
  const suite = useService(BACKENDS[0], { COOKIE_TRANSPORT: 'on', BCRYPT_COST: '12' });
  let browser: TestBrowser;

  beforeAll(() => {
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  beforeEach(async () => {
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await browser?.close();
  });

  async function logInThroughForm(page: Page, username: string, password = PASSWORD, path = '/account'): Promise<void> {
    await page.goto(suite.service.url + path);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(suite.service.url + path);
  }

  it('logs in through the form, shows /account and signs out another device from it', async () => {
    await signUpAndLogIn(suite.service, 'chromium-anna');
    const { token: laptop } = await logIn(suite.service, 'chromium-anna', PASSWORD, { type: 'laptop', name: 'Work laptop' });
    const page = await browser.context.newPage();
    await page.goto(`${suite.service.url}/login`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'login.png'), fullPage: true });
    await logInThroughForm(page, 'chromium-anna');

    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    const cookies = await browser.context.cookies(suite.service.url);
    expect(cookies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: '__Host-tessera', httpOnly: true, secure: true, sameSite: 'Lax', path: '/' }),
        // Kept after sign-out: this browser's way past a lock an attack puts on the name.
        expect.objectContaining({ name: '__Host-tessera-device', httpOnly: true, secure: true, sameSite: 'Lax', path: '/' }),
      ]),
    );
    expect(cookies).toHaveLength(2);
    const devices = page.getByRole('table');
    await toHaveCount(devices.getByRole('row'), 4); // header, this browser, the laptop, the first login
    expect(await devices.getByRole('row', { name: /this device/ }).textContent()).toContain('Chrome on Linux');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'account.png'), fullPage: true });

    await page.getByRole('button', { name: 'Sign out Work laptop' }).click();
    await page.getByText('That device is signed out.').waitFor();
    await toHaveCount(devices.getByRole('row'), 3);
    expect((await suite.service.call('GET', '/auth/session', { token: laptop })).status).toBe(401);
  });

  it('changes the password from /account, and a submit clicked twice acts once', async () => {
    await signUpAndLogIn(suite.service, 'chromium-pw');
    const page = await browser.context.newPage();
    await logInThroughForm(page, 'chromium-pw');

    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('a brand new secret');
    await page.getByLabel('New password, again').fill('a brand new secret');
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(request.url());
    });
    // Real mouse clicks (they do not wait for navigations); the second lands while the first
    // answer is still on its way, as on a slow network.
    const button = page.getByRole('button', { name: 'Change password' });
    await button.scrollIntoViewIfNeeded();
    const box = (await button.boundingBox())!;
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    await Promise.all([page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/account/password')), page.mouse.click(x, y)]);
    await page.mouse.click(x, y);
    await page.getByRole('heading', { name: 'Already done' }).waitFor();

    // Both submissions left the browser; the first changed the password, the second did nothing.
    expect(posts.filter((url) => url.endsWith('/account/password'))).toHaveLength(2);
    // The first is still hashing the new password when the second is answered: wait for it.
    const passwordChanges = async () =>
      (await suite.service.admin.audit.page(100, undefined, 'sign-in')).entries.filter((e) => e.type === 'password.changed' && e.actor.name === 'chromium-pw');
    let changes = await passwordChanges();
    for (const deadline = Date.now() + 10_000; changes.length === 0 && Date.now() < deadline; changes = await passwordChanges()) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(changes.map((e) => e.outcome)).toEqual(['success']);
    await logIn(suite.service, 'chromium-pw', 'a brand new secret');
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
  });

  it('goes back to /login once the session is revoked elsewhere', async () => {
    const { token } = await signUpAndLogIn(suite.service, 'chromium-revoked');
    const page = await browser.context.newPage();
    await logInThroughForm(page, 'chromium-revoked');
    expect((await suite.service.call('POST', '/auth/logout-all', { token })).status).toBe(204);

    await page.reload();
    await page.waitForURL(`${suite.service.url}/login?next=%2Faccount`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    // Only the device cookie stays, which signs no one in.
    expect((await browser.context.cookies(suite.service.url)).map((cookie) => cookie.name)).toEqual(['__Host-tessera-device']);
  });

  it('refuses a form posted from a page on another origin', async () => {
    const { token: other } = await signUpAndLogIn(suite.service, 'chromium-victim');
    const page = await browser.context.newPage();
    await logInThroughForm(page, 'chromium-victim');
    // Even a leaked CSRF token does not help a page on another origin (here: another port, same site).
    const csrf = await page.locator('meta[name="csrf-token"]').getAttribute('content');
    const attacker = await startAttacker(`${suite.service.url}/account/sign-out-others`, csrf!);
    try {
      await page.goto(attacker.url);
      const [answer] = await Promise.all([
        page.waitForResponse((response) => response.url().endsWith('/account/sign-out-others')),
        page.getByRole('button', { name: 'Claim your prize' }).click(),
      ]);
      expect(answer.status()).toBe(403);
      expect(await answer.json()).toMatchObject({ type: 'urn:tessera:problem:csrf-rejected' });
      expect((await answer.request().allHeaders()).cookie).toContain('__Host-tessera=');
    } finally {
      await attacker.close();
    }
    expect((await suite.service.call('GET', '/auth/session', { token: other })).status).toBe(200);
    await page.goto(`${suite.service.url}/account`);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
  });

  it('shows /admin to an admin: search, a user’s sessions and the audit entries', async () => {
    await suite.service.accounts.createAccount('chromium-admin', PASSWORD, ['admin']);
    await signUpAndLogIn(suite.service, 'chromium-bob', PASSWORD, { type: 'ios', name: 'Bob’s iPhone' });
    const page = await browser.context.newPage();
    await logInThroughForm(page, 'chromium-admin', PASSWORD, '/admin');
    await page.getByLabel('Username starts with').fill('chromium-b');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'chromium-bob' }).click();
    await page.getByRole('heading', { name: 'User chromium-bob' }).waitFor();
    await page.getByLabel('Reason').fill('Posting spam links');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'admin.png'), fullPage: true });
    await page.getByRole('button', { name: 'Ban' }).click();
    await page.getByText('The user is banned and their sessions have ended.').waitFor();
    expect(await page.getByRole('table').last().textContent()).toContain('Posting spam links');
  });
});

/** A page on another origin with a form that posts to Tessera, as a cross-site attacker would. */
async function startAttacker(target: string, csrf: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>Win</title><form method="post" action="${target}">
<input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Claim your prize</button></form>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Waits until the locator matches exactly `count` elements (playwright-core has no web-first assertions). */
async function toHaveCount(locator: Locator, count: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await locator.count()) !== count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} matches of ${locator}, found ${await locator.count()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
