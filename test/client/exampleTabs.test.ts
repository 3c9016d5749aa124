/**
 * The client SDK's browser example (examples/browser) in headless Chromium: two tabs share one
 * token pair through localStorage, and when the session has lapsed and both ask at once, the Web
 * Lock lets one tab rotate the refresh token while the other picks up the new pair.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { parseToken } from '../../src/tokens/token';
import { BACKENDS } from '../support/backends';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { buildClientSdk, serveExampleApp, type ClientSdkBuild } from '../support/clientSdkBuild';
import { sessionKeyOf, spentRefreshesOf } from '../support/keys';
import { signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';

const PASSWORD = 'correct horse battery';

interface ExampleWindow {
  tesseraExample: { loadSessions(): Promise<number> };
  localStorage: { getItem(key: string): string | null };
}

describe('the client example page in two Chromium tabs', () => {
  let browser: TestBrowser;
  let sdk: ClientSdkBuild;
  let example: Awaited<ReturnType<typeof serveExampleApp>>;
  let exampleUrl: string;

  // Registered first so it runs first: the browser and the example stop before the service does.
  afterAll(async () => {
    await browser?.close();
    await example?.close();
    sdk?.remove();
  });
  const suite = useService(BACKENDS[0]);

  beforeAll(async () => {
    sdk = await buildClientSdk();
    // The service's own app, with the example on (EXAMPLE_APP=on) and the SDK from that build.
    example = await serveExampleApp(suite.service, sdk.dir);
    exampleUrl = example.origin;
    browser = await launchBrowser();
  });

  async function openSignedIn(): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(`${exampleUrl}/example/`);
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    return page;
  }

  const storedPair = (page: Page) =>
    page.evaluate(
      () => JSON.parse((globalThis as unknown as ExampleWindow).localStorage.getItem('tessera.session') ?? 'null') as { token: string; refreshToken: string },
    );

  it('rotates once for both tabs, both succeed, and no reuse is alarmed', async () => {
    await signUpAndLogIn(suite.service, 'two-tabs');
    const first = await browser.context.newPage();
    await first.goto(`${exampleUrl}/example/`);
    await first.fill('#username', 'two-tabs');
    await first.fill('#password', PASSWORD);
    await first.click('#login button[type=submit]');
    await first.locator('#signed-in').waitFor({ state: 'visible' });
    const second = await openSignedIn();
    const before = await storedPair(first);
    expect(before.refreshToken).toMatch(/^tessr_/);

    const refreshes: string[] = [];
    browser.context.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/auth/refresh')) refreshes.push(request.url());
    });

    // The session lapses: Redis expires its key now rather than after the idle timeout, so the
    // new session cannot lapse in turn on a busy machine before both tabs have used it.
    expect(await suite.redis.pexpire(sessionKeyOf(suite.prefix, parseToken(before.token)!.sessionId), 1)).toBe(1);
    await sleep(50);
    const statuses = await Promise.all(
      [first, second].map((page) => page.evaluate(() => (globalThis as unknown as ExampleWindow).tesseraExample.loadSessions())),
    );
    expect(statuses).toEqual([200, 200]);
    // localStorage reaches another tab's renderer a moment later, so a tab may still present the
    // spent refresh token; the grace window answers it with the same pair. What must hold is one
    // rotation at the server (below), both tabs on the same pair, and no reuse alarm.
    expect(refreshes.length).toBeGreaterThanOrEqual(1);

    const [afterFirst, afterSecond] = [await storedPair(first), await storedPair(second)];
    expect(afterFirst).toEqual(afterSecond);
    expect(afterFirst.refreshToken).not.toBe(before.refreshToken);
    expect(await suite.redis.zcard(spentRefreshesOf(suite.prefix, before.refreshToken))).toBe(1);
    const { entries } = await suite.service.admin.audit.page(100, undefined, 'sign-in');
    expect(entries.filter((entry) => entry.type === 'refresh.reused')).toEqual([]);
    expect(await first.locator('#sessions li').count()).toBeGreaterThan(0);
  });
});
