/**
 * The browser example of the client SDK (examples/browser, with the SDK's ES-module build from
 * dist/client-esm), served under /example/ only when EXAMPLE_APP=on: a development aid, so the
 * page and the API share an origin and need no CORS. A fixed list of files, read from disk at
 * each request (a rebuild shows at once); nothing else is reachable.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type Router from '@koa/router';
import { publicRoute } from '../../middleware/access';
import { guardedRouter } from '../guardedRouter';
import { REPO_ROOT } from '../../paths';

const PAGE_DIR = path.join(REPO_ROOT, 'examples', 'browser');
const BUILT_SDK_DIR = path.join(REPO_ROOT, 'dist', 'client-esm');

/** Scripts and styles of this origin only; the SDK talks to this origin only. */
const EXAMPLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

export function exampleRoutes(sdkDir = BUILT_SDK_DIR): Router {
  let sdkFiles: string[];
  try {
    sdkFiles = readdirSync(sdkDir).filter((name) => name.endsWith('.js'));
  } catch {
    throw new Error(`EXAMPLE_APP=on needs the client SDK's browser build in ${sdkDir}: run npm run build first.`);
  }
  const files = new Map<string, string>([
    ['/example/', path.join(PAGE_DIR, 'index.html')],
    ['/example/app.js', path.join(PAGE_DIR, 'app.js')],
    ['/example/app.css', path.join(PAGE_DIR, 'app.css')],
    ...sdkFiles.map((name): [string, string] => [`/example/sdk/${name}`, path.join(sdkDir, name)]),
  ]);
  const router = guardedRouter();
  const anyone = publicRoute();
  for (const [route, file] of files) {
    router.get(route, anyone, (ctx) => {
      ctx.set('Content-Security-Policy', EXAMPLE_CSP);
      ctx.type = TYPES[path.extname(file)];
      ctx.body = readFileSync(file);
    });
  }
  return router;
}
