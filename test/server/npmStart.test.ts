import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { eventually } from '../support/eventually';
import { killProcessGroup } from '../support/processGroup';
import { freePort } from '../support/redisServer';
import { REPO_ROOT } from '../../src/paths';

function collect(child: ChildProcess): { output: () => string; exit: Promise<number | null> } {
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return { output: () => output, exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function waitForReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the service did not become ready');
}

/** Every running process: pid, parent pid and command line. */
function processTable(): RegExpExecArray[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null);
}

/** rootPid and every process below it. */
function processFamily(rootPid: number, rows = processTable()): Set<number> {
  const family = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [, pid, ppid] of rows) {
      if (family.has(Number(ppid)) && !family.has(Number(pid))) {
        family.add(Number(pid));
        grew = true;
      }
    }
  }
  return family;
}

/** The pid of the node process under rootPid running `script` (npm runs it through a shell). */
function nodeDescendantPid(rootPid: number, script: string): number {
  const rows = processTable();
  const family = processFamily(rootPid, rows);
  const found = rows.find(([, pid, , args]) => family.has(Number(pid)) && /^\S*node\s/.test(args) && args.includes(script));
  if (!found) throw new Error(`no node process running ${script} under ${rootPid}`);
  return Number(found[1]);
}

describe('npm start', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-start-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Keys of the service's embedded Redis, read over its unix socket. */
  async function embeddedRedisKeys(pattern: string): Promise<string[]> {
    const redis = new Redis({ path: path.join(dataDir, 'redis', 'redis.sock'), lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await redis.connect();
      return await redis.keys(pattern);
    } catch {
      return [];
    } finally {
      redis.disconnect();
    }
  }

  it('serves on its embedded Redis and stops it cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn('npm', ['start', '--silent'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, BCRYPT_COST: '4', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const { output, exit } = collect(child);
    try {
      await waitForReady(`http://127.0.0.1:${port}`, child);
      const url = `http://127.0.0.1:${port}`;
      const headers = { 'content-type': 'application/json' };
      const body = JSON.stringify({ username: 'first', password: 'opening-secret-1' });
      expect((await fetch(`${url}/auth/register`, { method: 'POST', headers, body })).status).toBe(201);
      const login = await fetch(`${url}/auth/login`, { method: 'POST', headers, body });
      expect(login.status).toBe(200);
      expect(existsSync(path.join(dataDir, 'redis', 'redis.sock'))).toBe(true);
      // As an orchestrator would: SIGTERM to the server process alone, which must stop its Redis itself.
      process.kill(nodeDescendantPid(child.pid!, 'dist/server/main.js'), 'SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      killProcessGroup(child);
    }
    // redis-server removes its socket when it shuts down.
    expect(existsSync(path.join(dataDir, 'redis', 'redis.sock'))).toBe(false);
    expect(output()).not.toMatch(/error/i);
  }, 90_000);

  it('finishes a request in flight when told to stop, then refuses new ones', async () => {
    const port = await freePort();
    const tsx = require.resolve('tsx/cli');
    // A high bcrypt cost makes registration slow enough to be caught in flight.
    const child = spawn(process.execPath, [tsx, 'src/server/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, BCRYPT_COST: '14', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const { exit } = collect(child);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForReady(url, child);
      const inFlight = fetch(`${url}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'late', password: 'tardy-secret-2' }),
      });
      // In flight once it has passed the registration throttle, whose counter comes before the slow hash.
      await eventually(async () => (await embeddedRedisKeys('*:rl:ra*')).length > 0, 20_000, 'the registration under way');
      child.kill('SIGTERM');
      expect((await inFlight).status).toBe(201);
      expect(await exit).toBe(0);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      killProcessGroup(child);
    }
  }, 60_000);

  it('refuses a second start on a data folder in use, naming the folder and the PID, and the first keeps serving', async () => {
    const tsx = require.resolve('tsx/cli');
    const start = async (dataDirSetting: string, logLevel: string) => {
      const port = await freePort();
      const child = spawn(process.execPath, [tsx, 'src/server/main.ts'], {
        cwd: REPO_ROOT,
        env: { ...process.env, PORT: String(port), DATA_DIR: dataDirSetting, BCRYPT_COST: '4', LOG_LEVEL: logLevel },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      return { child, url: `http://127.0.0.1:${port}`, port, ...collect(child) };
    };
    // The first is given the folder relatively (from the repository's root, where it runs), the second absolutely.
    const first = await start(path.relative(REPO_ROOT, dataDir), 'info');
    try {
      await waitForReady(first.url, first.child);
      expect(existsSync(path.join(dataDir, 'redis', 'redis.sock'))).toBe(true);
      expect(first.output()).toContain(`"msg":"Tessera listening on http://localhost:${first.port}"`);
      const headers = { 'content-type': 'application/json' };
      const body = JSON.stringify({ username: 'holder', password: 'holding-secret-3' });
      expect((await fetch(`${first.url}/auth/register`, { method: 'POST', headers, body })).status).toBe(201);

      const second = await start(dataDir, 'warn');
      try {
        expect(await second.exit).toBe(1);
      } finally {
        killProcessGroup(second.child);
      }
      const refusal = /The data folder (\S+) is in use by another Tessera \(PID (\d+)\)/.exec(second.output());
      expect(refusal?.[1]).toBe(path.join(dataDir, 'redis'));
      expect(processFamily(first.child.pid!).has(Number(refusal?.[2]))).toBe(true);

      expect((await fetch(`${first.url}/auth/login`, { method: 'POST', headers, body })).status).toBe(200);
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
      first.child.kill('SIGTERM');
      expect(await first.exit).toBe(0);
    } finally {
      killProcessGroup(first.child);
    }
    // Stopped cleanly, the first gave the folder up: a new start may take it.
    expect(existsSync(path.join(dataDir, 'redis', 'tessera.pid'))).toBe(false);
  }, 90_000);

  it('exits with the install command when no redis-server is on PATH', async () => {
    const tsx = require.resolve('tsx/cli');
    const child = spawn(process.execPath, [tsx, 'src/server/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: '/nonexistent', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { output, exit } = collect(child);
    expect(await exit).toBe(1);
    expect(output()).toContain('apt-get install redis-server');
  }, 30_000);

  it('exits naming the variable to fix when the configuration is wrong', async () => {
    const tsx = require.resolve('tsx/cli');
    const child = spawn(process.execPath, [tsx, 'src/server/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SESSION_IDLE_TIMEOUT: 'forever', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { output, exit } = collect(child);
    expect(await exit).toBe(1);
    expect(output()).toContain('SESSION_IDLE_TIMEOUT: must be seconds or a duration like 30m or 7d');
  }, 30_000);
});
