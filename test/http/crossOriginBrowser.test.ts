/**
 * A page on one origin (http://127.0.0.1:<port>) and the service on another
 * (http://localhost:<port>), in headless Chromium with the client SDK's ES modules: with the
 * page's origin in CORS_ORIGINS it logs in, calls the API and refreshes a lapsed session; with the
 * origin unlisted the browser keeps every answer from the page.
 */
import { readFileSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { parseToken } from '../../src/tokens/token';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { buildClientSdk, type ClientSdkBuild } from '../support/clientSdkBuild';
import { sessionKeyOf } from '../support/keys';
import { signUpAndLogIn, type TestService } from '../support/service';
import { useServices } from '../support/serviceFixture';

const PASSWORD = 'correct horse battery';

/** The page: the SDK against `baseUrl`, each step a function the test calls. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>cross-origin</title>
<script type="module">
  import { createTesseraClient, memoryStorage } from './sdk/index.js';
  const storage = memoryStorage();
  let client;
  window.steps = {
    start(baseUrl) { client = createTesseraClient({ baseUrl, storage }); },
    async login(username, password) {
      try { return { user: (await client.login({ username, password, remember: true })).user.username }; }
      catch (error) { return { error: error.name + ': ' + error.message }; }
    },
    async call(path) {
      try { const answer = await client.fetch(path); return { status: answer.status, expires: answer.headers.get('Session-Expires') }; }
      catch (error) { return { error: error.name + ': ' + error.message }; }
    },
    async token() { return (await storage.get())?.token ?? null; },
  };
</script>`;

interface Steps {
  start(baseUrl: string): void;
  login(username: string, password: string): Promise<{ user?: string; error?: string }>;
  call(path: string): Promise<{ status?: number; expires?: string | null; error?: string }>;
  token(): Promise<string | null>;
}

describe('a page on another origin, in Chromium', () => {
  let browser: TestBrowser;
  let sdk: ClientSdkBuild;
  let pageServer: Server;
  let pageOrigin: string;

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => pageServer?.close(resolve));
    sdk?.remove();
  });
  const suite = useServices(BACKENDS[0]);

  beforeAll(async () => {
    sdk = await buildClientSdk();
    const sdkDir = sdk.dir;
    pageServer = http.createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://page');
      if (url.pathname === '/') return response.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
      const file = path.join(sdkDir, path.normalize(url.pathname.replace(/^\/sdk\//, '')));
      if (!url.pathname.startsWith('/sdk/') || !file.startsWith(sdkDir)) return response.writeHead(404).end();
      try {
        response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(readFileSync(file));
      } catch {
        response.writeHead(404).end();
      }
    });
    pageServer.listen(0, '127.0.0.1');
    await new Promise((resolve) => pageServer.once('listening', resolve));
    pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  /** The page, its SDK pointed at the service by another host name and port. */
  async function openPage(service: TestService): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction(() => 'steps' in globalThis);
    await page.evaluate((baseUrl) => (globalThis as unknown as { steps: Steps }).steps.start(baseUrl), `http://localhost:${service.port}`);
    return page;
  }

  it('logs in, calls the API and refreshes a lapsed session when the page’s origin is listed', async () => {
    const prefix = uniquePrefix();
    const service = await suite.serve({ KEY_PREFIX: prefix, CORS_ORIGINS: pageOrigin });
    await signUpAndLogIn(service, 'cross-origin');
    const page = await openPage(service);
    const refreshes: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/auth/refresh')) refreshes.push(request.url());
    });
    expect(await page.evaluate((password) => (globalThis as unknown as { steps: Steps }).steps.login('cross-origin', password), PASSWORD)).toEqual({
      user: 'cross-origin',
    });
    const session = await page.evaluate(() => (globalThis as unknown as { steps: Steps }).steps.call('/auth/session'));
    // The page reads the slid expiry: the service exposes it.
    expect(session).toEqual({ status: 200, expires: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });

    const token = await page.evaluate(() => (globalThis as unknown as { steps: Steps }).steps.token());
    expect(await suite.redis.del(sessionKeyOf(prefix, parseToken(token!)!.sessionId))).toBe(1);
    // Refused for its token (WWW-Authenticate is exposed, so the SDK sees why), refreshed once, replayed.
    expect(await page.evaluate(() => (globalThis as unknown as { steps: Steps }).steps.call('/auth/sessions'))).toMatchObject({ status: 200 });
    expect(refreshes).toEqual([`http://localhost:${service.port}/auth/refresh`]);
    expect(await page.evaluate(() => (globalThis as unknown as { steps: Steps }).steps.token())).not.toBe(token);
  });

  it('is blocked by the browser when the page’s origin is not listed', async () => {
    // Listed: the page's port on another host name, and the page's host on another port.
    const service = await suite.serve({ CORS_ORIGINS: `${pageOrigin.replace('127.0.0.1', 'localhost')},http://127.0.0.1:1` });
    await signUpAndLogIn(service, 'cross-origin-blocked');
    const page = await openPage(service);
    const login = await page.evaluate((password) => (globalThis as unknown as { steps: Steps }).steps.login('cross-origin-blocked', password), PASSWORD);
    expect(login).toEqual({ error: 'TypeError: Failed to fetch' });
    const call = await page.evaluate(() => (globalThis as unknown as { steps: Steps }).steps.call('/auth/session'));
    expect(call).toEqual({ error: 'TypeError: Failed to fetch' });
  });
});
