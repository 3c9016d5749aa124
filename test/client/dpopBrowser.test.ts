/**
 * The client SDK with dpop: true in headless Chromium: the key is made by the browser's Web Crypto
 * and kept in IndexedDB, so a token copied out of the page (as a script reading localStorage would)
 * is useless anywhere else, while the page goes on working.
 */
import type { Page } from 'playwright-core';
import { BACKENDS } from '../support/backends';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { buildClientSdk, serveExampleApp, type ClientSdkBuild } from '../support/clientSdkBuild';
import { signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';

/** What the page script leaves on window for the test to drive, and the storage it reads. */
interface PageWindow {
  bound: { call(path: string): Promise<number>; keyIsExtractable(): Promise<boolean | null> };
  localStorage: { getItem(key: string): string | null };
}

describe('a DPoP-bound session in headless Chromium', () => {
  let browser: TestBrowser;
  let sdk: ClientSdkBuild;
  let app: Awaited<ReturnType<typeof serveExampleApp>>;
  let origin: string;

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    sdk?.remove();
  });
  const suite = useService(BACKENDS[0]);

  beforeAll(async () => {
    sdk = await buildClientSdk();
    // The service's app on an origin of its own, serving the SDK's ES modules beside the API.
    app = await serveExampleApp(suite.service, sdk.dir);
    origin = app.origin;
    browser = await launchBrowser();
  });

  /** Opens a page of the origin and logs in there through the SDK with dpop: true. */
  async function signedInPage(username: string): Promise<Page> {
    await signUpAndLogIn(suite.service, username);
    const page = await browser.context.newPage();
    await page.goto(`${origin}/example/`);
    // The page imports the SDK's ES module itself; a string, so the test's own compiler leaves the import() alone.
    await page.evaluate(`(async () => {
      const sdk = await import('/example/sdk/index.js');
      const client = sdk.createTesseraClient({ baseUrl: location.origin, storage: sdk.webStorage(localStorage, 'bound.session'), dpop: true });
      await client.login({ username: ${JSON.stringify(username)}, password: 'correct horse battery' });
      window.bound = {
        call: async (path) => (await client.fetch(path)).status,
        keyIsExtractable: () => new Promise((resolve, reject) => {
          const open = indexedDB.open('tessera-dpop', 1);
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const read = open.result.transaction('keys', 'readonly').objectStore('keys').get('tessera ' + location.origin);
            read.onerror = () => reject(read.error);
            read.onsuccess = () => resolve(read.result ? read.result.pair.privateKey.extractable : null);
          };
        }),
      };
    })()`);
    return page;
  }

  it('works in the page, while the token copied out of it gets 401 in Node', async () => {
    const page = await signedInPage('browser-bound');
    const call = (path: string) => page.evaluate((p) => (globalThis as unknown as PageWindow).bound.call(p), path);
    expect(await call('/auth/session')).toBe(200);
    // The private key is in IndexedDB, and not even the page can export it.
    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).bound.keyIsExtractable())).toBe(false);

    const stolen = await page.evaluate(
      () => JSON.parse((globalThis as unknown as PageWindow).localStorage.getItem('bound.session')!) as { token: string; tokenType: string },
    );
    expect(stolen.tokenType).toBe('DPoP');
    const asBearer = await fetch(`${origin}/auth/session`, { headers: { authorization: `Bearer ${stolen.token}` } });
    expect(asBearer.status).toBe(401);
    const asDpop = await fetch(`${origin}/auth/session`, { headers: { authorization: `DPoP ${stolen.token}` } });
    expect(asDpop.status).toBe(401);

    expect(await call('/auth/session')).toBe(200);
    expect(await call('/auth/sessions')).toBe(200);
    await page.close();
  });
});
