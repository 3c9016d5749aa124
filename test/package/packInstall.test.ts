/**
 * The package as users get it: `npm pack` (its prepack build included), installed from the tarball
 * into a fresh TypeScript ESM app with ioredis 6 and a CommonJS app with ioredis 5, each of which
 * type-checks and runs the Library page's Koa example (docs/library.md) against a real redis-server.
 * Packages come from the npm registry through npm's cache, at the versions it serves today.
 *
 * The two apps are compiled two ways on purpose:
 * - the ESM app with the newest TypeScript and the tsconfig its `tsc --init` writes, as a new user
 *   starts; that includes `skipLibCheck`, so a dependency's own type holes (ioredis 6.1's declarations
 *   import the untyped `redis-errors`) do not fail an app that never touches them;
 * - the CommonJS app with TypeScript 5.9 and `skipLibCheck: false`, so every declaration file Tessera
 *   ships is itself type-checked under `strict` and the stricter flags `tsc --init` now turns on.
 *
 * Beside them, an Express app and a Hono app built from the docs alone: the packages their install
 * lines name (no Koa among them) and the example the docs show, as ES modules. They type-check with
 * `skipLibCheck: false` (so no declaration Tessera ships may reach for Koa), log in through the auth
 * routes Tessera ships, let the client SDK refresh once for ten calls, and answer a plain Error with a
 * logged problem+json 500.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createTesseraClient, memoryStorage } from 'tessera-sessions/client';
import { REPO_ROOT } from '../../src/paths';
import { parseToken } from '../../src/tokens/token';
import { sessionKeyOf } from '../support/keys';
import { freePort, startRedis, type RedisProcess } from '../support/redisServer';

const run = promisify(execFile);
const npm = (cwd: string, ...args: string[]) => run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd, maxBuffer: 16 << 20 });

/** What the project hands `npm pack`: its sources and build set-up, not its tests or node_modules. */
const PACKED_INPUTS = [
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.client.json',
  'scripts',
  'src',
  'examples',
  'README.md',
  'docs',
  'LICENSE',
  'CHANGELOG.md',
  'redis.conf',
];

/** The Library page's Koa example, with the one function it leaves to the reader. */
function libraryExample(): string {
  const page = readFileSync(path.join(REPO_ROOT, 'docs', 'library.md'), 'utf8');
  const section = page.slice(page.indexOf('## A Koa app'));
  const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!example) throw new Error('docs/library.md has no TypeScript example in its "A Koa app" section');
  return `${example}
async function checkPasswordYourWay(_ctx: unknown): Promise<{ id: string }> {
  return { id: 'user-1' };
}
`;
}

interface App {
  dir: string;
  kind: 'esm' | 'commonjs';
}

/** What `tsc --init` of TypeScript 7 writes, less the options about emit this test has no use for. */
const TSC_INIT_7 = {
  module: 'nodenext',
  target: 'esnext',
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  strict: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  noUncheckedSideEffectImports: true,
  moduleDetection: 'force',
  skipLibCheck: true,
};

const APP_SETUPS = {
  esm: { ioredis: '^6', typescript: '^7', compilerOptions: TSC_INIT_7 },
  commonjs: {
    ioredis: '^5',
    typescript: '~5.9',
    compilerOptions: {
      module: 'commonjs',
      moduleResolution: 'node10',
      esModuleInterop: true,
      target: 'ES2022',
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: false,
    },
  },
} as const;

function writeApp(root: string, kind: App['kind'], tarball: string): App {
  const { ioredis, typescript, compilerOptions } = APP_SETUPS[kind];
  const dir = path.join(root, kind);
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  const packageJson = {
    name: `readme-${kind}`,
    private: true,
    ...(kind === 'esm' ? { type: 'module' } : {}),
    dependencies: { 'tessera-sessions': `file:${tarball}`, ioredis, koa: '^3', '@koa/router': '^15' },
    devDependencies: { typescript, '@types/koa': '^3', '@types/node': '^20' },
  };
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(packageJson, null, 2));
  // TypeScript 7 no longer infers rootDir from the inputs when outDir is set (TS5011), so it is named.
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...compilerOptions, rootDir: 'src', outDir: 'dist', types: ['node'] }, include: ['src'] }),
  );
  writeFileSync(path.join(dir, 'src', 'app.ts'), libraryExample());
  return { dir, kind };
}

type Framework = 'express' | 'hono';

/** Every page of the docs: the README and docs/. */
function docsText(): string {
  const pages = [path.join(REPO_ROOT, 'README.md')];
  const docs = path.join(REPO_ROOT, 'docs');
  for (const entry of readdirSync(docs, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.md')) pages.push(path.join(entry.parentPath, entry.name));
  }
  return pages.map((page) => readFileSync(page, 'utf8')).join('\n');
}

/** The packages the docs' install block for this framework names: `npm install tessera-sessions ioredis <framework> …`, then its --save-dev line. */
function docsInstall(framework: Framework): { dependencies: string[]; devDependencies: string[] } {
  const block = [...docsText().matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((match) => match[1]!)
    .find((text) => new RegExp(`^npm install tessera-sessions ioredis ${framework}\\b`, 'm').test(text));
  if (!block) throw new Error(`the docs show no "npm install tessera-sessions ioredis ${framework}" block`);
  const packagesOf = (line: string | undefined) =>
    (line ?? '')
      .replace(/#.*/, '')
      .trim()
      .split(/\s+/)
      .slice(2)
      .filter((word) => !word.startsWith('-'));
  const lines = block.split('\n').filter((line) => line.startsWith('npm install'));
  return {
    dependencies: packagesOf(lines.find((line) => !line.includes('--save-dev'))),
    devDependencies: packagesOf(lines.find((line) => line.includes('--save-dev'))),
  };
}

/** An ES-module app of the framework: its packages from the docs (latest of each), its code the example the docs show. */
function writeFrameworkApp(root: string, framework: Framework, tarball: string): string {
  const dir = path.join(root, framework);
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  const { dependencies, devDependencies } = docsInstall(framework);
  const latest = (names: string[]) => Object.fromEntries(names.map((name) => [name, name === 'tessera-sessions' ? `file:${tarball}` : 'latest']));
  // @types/redis-errors only so that skipLibCheck can be off with ioredis 6.1 (see the README).
  const packageJson = {
    name: `docs-${framework}`,
    private: true,
    type: 'module',
    dependencies: latest(dependencies),
    devDependencies: { ...latest(devDependencies), '@types/redis-errors': 'latest' },
  };
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(packageJson, null, 2));
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...TSC_INIT_7, skipLibCheck: false, rootDir: 'src', outDir: 'dist', types: ['node'] }, include: ['src'] }),
  );
  cpSync(path.join(REPO_ROOT, 'examples', `${framework}.ts`), path.join(dir, 'src', 'app.ts'));
  return dir;
}

async function untilListening(port: number, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('the packed package', () => {
  let work: string;
  let redis: RedisProcess;
  let tarball: string;
  let apps: App[];
  let frameworkApps: Record<Framework, string>;

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'tessera-pack-'));
    redis = await startRedis();
    // Packed from a copy, so its prepack (clean, then build) never touches the dist/ other suites run.
    const source = path.join(work, 'source');
    for (const input of PACKED_INPUTS) cpSync(path.join(REPO_ROOT, input), path.join(source, input), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(source, 'node_modules'), 'dir');
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: source, maxBuffer: 16 << 20 });
    tarball = path.join(work, stdout.trim().split('\n').pop() ?? '');
    apps = [writeApp(work, 'esm', tarball), writeApp(work, 'commonjs', tarball)];
    frameworkApps = { express: writeFrameworkApp(work, 'express', tarball), hono: writeFrameworkApp(work, 'hono', tarball) };
    await Promise.all([...apps.map((app) => app.dir), ...Object.values(frameworkApps)].map((dir) => npm(dir, 'install')));
  }, 300_000);

  afterAll(async () => {
    await redis?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds only the built library, the service, its docs and its licence', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout
      .trim()
      .split('\n')
      .map((file) => file.replace(/^package\//, ''));
    const docPages = readdirSync(path.join(REPO_ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`);
    expect(files.filter((file) => !file.startsWith('dist/') && !file.startsWith('examples/')).sort()).toEqual(
      ['CHANGELOG.md', 'LICENSE', 'README.md', ...docPages, 'package.json', 'redis.conf'].sort(),
    );
    // The examples the docs link to are there for a reader of the installed package.
    expect(files).toEqual(expect.arrayContaining(['examples/express.ts', 'examples/hono.ts', 'examples/browser/index.html']));
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli/main.js',
        'dist/store/lua/touch.lua',
        'dist/client-esm/index.js',
        'dist/client-esm/index.d.ts',
        'dist/client-esm/package.json',
      ]),
    );
    expect(files.filter((file) => /\.(map|tsbuildinfo)$/.test(file) || file.includes('.test.'))).toEqual([]);
  });

  it.each([
    ['a TypeScript 7 ESM', 'esm', 'ioredis 6'],
    ['a TypeScript 5.9 CommonJS', 'commonjs', 'ioredis 5'],
  ])(
    "type-checks and runs the Library page's Koa example in %s app (%s) with %s",
    async (_title, kind) => {
      const app = apps.find((candidate) => candidate.kind === kind)!;
      await run('npx', ['tsc', '-p', '.'], { cwd: app.dir });
      const port = await freePort();
      const child = spawn(process.execPath, ['dist/app.js'], {
        cwd: app.dir,
        env: { ...process.env, PORT: String(port), REDIS_URL: `redis://127.0.0.1:${redis.port}` },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      try {
        await untilListening(port, child);
        const base = `http://127.0.0.1:${port}`;
        const login = await fetch(`${base}/login`, { method: 'POST' });
        const { token } = (await login.json()) as { token: string };
        expect(token).toMatch(/^tess_/);
        const me = await fetch(`${base}/me`, { headers: { Authorization: `Bearer ${token}` } });
        expect([me.status, await me.json()]).toEqual([200, { id: 'user-1', theme: 'dark' }]);
        expect((await fetch(`${base}/admin`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(403);
        expect((await fetch(`${base}/me`)).status).toBe(401);
      } finally {
        child.kill();
      }
    },
    180_000,
  );

  it('reaches only its exported entry points, and loads none of the service’s dependencies', async () => {
    const app = apps.find((candidate) => candidate.kind === 'commonjs')!;
    const probe = `
      const library = require('tessera-sessions');
      const loaded = Object.keys(require.cache).filter((file) => /node_modules\\/(pino|piscina|zod|bcryptjs|@koa\\/)/.test(file));
      let deep;
      try { require('tessera-sessions/dist/store/keys'); deep = 'reachable'; } catch (error) { deep = error.code; }
      console.log(JSON.stringify({ createTessera: typeof library.createTessera, loaded, deep }));
    `;
    const { stdout } = await run(process.execPath, ['-e', probe], { cwd: app.dir });
    expect(JSON.parse(stdout)).toEqual({ createTessera: 'function', loaded: [], deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
    // The client SDK is its own entry point and brings no dependency at all.
    const clientProbe = `
      const client = require('tessera-sessions/client');
      const loaded = Object.keys(require.cache).filter((file) => file.includes('node_modules') && !file.includes('tessera-sessions'));
      console.log(JSON.stringify({ createTesseraClient: typeof client.createTesseraClient, loaded }));
    `;
    const clientOut = await run(process.execPath, ['-e', clientProbe], { cwd: app.dir });
    expect(JSON.parse(clientOut.stdout)).toEqual({ createTesseraClient: 'function', loaded: [] });
  });

  it('gives an ES module importer the client SDK’s ES module build, and a require() the CommonJS one', async () => {
    const app = apps.find((candidate) => candidate.kind === 'esm')!;
    const probe = `
      const client = await import('tessera-sessions/client');
      console.log(JSON.stringify({ resolved: import.meta.resolve('tessera-sessions/client'), createTesseraClient: typeof client.createTesseraClient }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: app.dir });
    const imported = JSON.parse(stdout) as { resolved: string; createTesseraClient: string };
    expect(imported.createTesseraClient).toBe('function');
    expect(imported.resolved).toMatch(/\/node_modules\/tessera-sessions\/dist\/client-esm\/index\.js$/);
    const required = await run(process.execPath, ['-e', "console.log(require.resolve('tessera-sessions/client'))"], { cwd: app.dir });
    expect(required.stdout.trim()).toMatch(/\/node_modules\/tessera-sessions\/dist\/client\/index\.js$/);
  });

  describe.each([
    ['Express', 'express'],
    ['Hono', 'hono'],
  ] as const)('an ESM %s app built from the docs', (_title, framework) => {
    let child: ChildProcess | undefined;
    let output = '';
    let base: string;
    let redisClient: Redis;

    beforeAll(async () => {
      const dir = frameworkApps[framework];
      await run('npx', ['tsc', '-p', '.'], { cwd: dir });
      const port = await freePort();
      child = spawn(process.execPath, ['dist/app.js'], {
        cwd: dir,
        env: { ...process.env, PORT: String(port), REDIS_URL: `redis://127.0.0.1:${redis.port}`, EXAMPLE_PASSWORD: 'correct horse battery staple' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      await untilListening(port, child);
      base = `http://127.0.0.1:${port}`;
      redisClient = new Redis(redis.port, '127.0.0.1');
    }, 180_000);
    afterAll(async () => {
      child?.kill();
      await redisClient?.quit();
    });

    it('installs without Koa, and loads none from the core or its adapter', async () => {
      const dir = frameworkApps[framework];
      const probe = `
        const core = require('tessera-sessions');
        const adapter = require('tessera-sessions/${framework}');
        const loaded = Object.keys(require.cache).filter((file) => /node_modules\\/(koa|@koa\\/[^/]+)\\//.test(file));
        let koa;
        try { require.resolve('koa'); koa = 'resolvable'; } catch (error) { koa = error.code; }
        console.log(JSON.stringify({ core: typeof core.createTessera, adapter: typeof adapter.authenticate, loaded, koa }));
      `;
      const { stdout } = await run(process.execPath, ['-e', probe], { cwd: dir });
      expect(JSON.parse(stdout)).toEqual({ core: 'function', adapter: 'function', loaded: [], koa: 'MODULE_NOT_FOUND' });
      // Nowhere in the tree, not even as a dependency's dependency.
      const { stdout: found } = await run('find', ['node_modules', '-type', 'd', '(', '-name', 'koa', '-o', '-name', '@koa', ')'], { cwd: dir });
      expect(found.trim()).toBe('');
    });

    it('logs in through the shipped auth routes, and the client SDK refreshes once for ten concurrent calls', async () => {
      const sent: string[] = [];
      const storage = memoryStorage();
      const client = createTesseraClient({
        baseUrl: base,
        storage,
        fetch: async (input, init) => {
          const request = new Request(input, init);
          sent.push(`${request.method} ${new URL(request.url).pathname}`);
          return fetch(request);
        },
      });
      const signedIn = await client.login({ username: 'ada', password: 'correct horse battery staple', remember: true });
      expect(signedIn.user).toEqual({ id: 'user-1', username: 'ada', roles: [] });
      expect((await client.fetch('/me')).status).toBe(200);
      const before = (await storage.get())!;
      // The session lapses (its key is gone); its refresh token lives on.
      expect(await redisClient.del(sessionKeyOf('tessera', parseToken(before.token)!.sessionId))).toBe(1);
      const answers = await Promise.all(Array.from({ length: 10 }, () => client.fetch('/me')));
      expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
      expect(sent.filter((line) => line === 'POST /auth/refresh')).toHaveLength(1);
      await client.logout();
      expect((await fetch(`${base}/me`, { headers: { Authorization: `Bearer ${(await storage.get())?.token ?? before.token}` } })).status).toBe(401);
    });

    it('answers a plain Error in a route with a logged problem+json 500', async () => {
      const answer = await fetch(`${base}/fails`);
      expect([answer.status, answer.headers.get('content-type')]).toEqual([500, expect.stringMatching(/^application\/problem\+json/)]);
      expect(await answer.json()).toEqual({ type: 'urn:tessera:problem:internal', title: 'Internal error', status: 500, instance: '/fails' });
      expect(output).toMatch(/unhandled error \(\/fails\): Error: something broke in this route/);
    });
  });
});
