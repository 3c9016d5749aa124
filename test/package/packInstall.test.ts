/**
 * The package as users get it: `npm pack` (its prepack build included), installed from the tarball
 * into a fresh TypeScript ESM app with ioredis 6 and a CommonJS app with ioredis 5, each of which
 * type-checks and runs the README's Library example against a real redis-server. Packages come
 * from the npm registry through npm's cache, at the versions it serves today.
 *
 * The two apps are compiled two ways on purpose:
 * - the ESM app with the newest TypeScript and the tsconfig its `tsc --init` writes, as a new user
 *   starts; that includes `skipLibCheck`, so a dependency's own type holes (ioredis 6.1's declarations
 *   import the untyped `redis-errors`) do not fail an app that never touches them;
 * - the CommonJS app with TypeScript 5.9 and `skipLibCheck: false`, so every declaration file Tessera
 *   ships is itself type-checked under `strict` and the stricter flags `tsc --init` now turns on.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../src/paths';
import { freePort, startRedis, type RedisProcess } from '../support/redisServer';

const run = promisify(execFile);
const npm = (cwd: string, ...args: string[]) => run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd, maxBuffer: 16 << 20 });

/** What the project hands `npm pack`: its sources and build set-up, not its tests or node_modules. */
const PACKED_INPUTS = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.client.json', 'scripts', 'src', 'README.md', 'LICENSE', 'CHANGELOG.md', 'redis.conf'];

/** The README's Library example, with the one function it leaves to the reader. */
function readmeLibraryExample(): string {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Library'));
  const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!example) throw new Error('README.md has no TypeScript example in its Library section');
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
  writeFileSync(path.join(dir, 'src', 'app.ts'), readmeLibraryExample());
  return { dir, kind };
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
    await Promise.all(apps.map((app) => npm(app.dir, 'install')));
  }, 300_000);

  afterAll(async () => {
    await redis?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds only the built library, the service, its docs and its licence', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n').map((file) => file.replace(/^package\//, ''));
    expect(files.filter((file) => !file.startsWith('dist/')).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json', 'redis.conf']);
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/store/lua/touch.lua']));
    expect(files.filter((file) => /\.(map|tsbuildinfo)$/.test(file) || file.includes('.test.'))).toEqual([]);
  });

  it.each([
    ['a TypeScript 7 ESM', 'esm', 'ioredis 6'],
    ['a TypeScript 5.9 CommonJS', 'commonjs', 'ioredis 5'],
  ])('type-checks and runs the README Library example in %s app (%s) with %s', async (_title, kind) => {
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
  }, 180_000);

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
});
