import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { REPO_ROOT } from '../../src/paths';
import { uniquePrefix } from '../support/backends';
import { killProcessGroup } from '../support/processGroup';
import { freePort } from '../support/redisServer';

/** One request on a connection of its own, so node:cluster hands each to the next worker. */
function getOnNewConnection(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

async function waitForReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if ((await getOnNewConnection(`${url}/readyz`).catch(() => 0)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the service did not become ready');
}

describe('WORKERS', () => {
  it('serves from two node:cluster workers and stops them all cleanly on SIGTERM', async () => {
    const port = await freePort();
    const tsx = require.resolve('tsx/cli');
    const child = spawn(process.execPath, [tsx, 'src/server/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        WORKERS: '2',
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: `redis://127.0.0.1:${process.env.TESSERA_TEST_REDIS_PORT}`,
        KEY_PREFIX: uniquePrefix(),
        BCRYPT_COST: '4',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const logLines = () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; pid: number; path?: string; level: number });
    const healthzServers = () => new Set(logLines().filter((line) => line.msg === 'request' && line.path === '/healthz').map((line) => line.pid));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForReady(url, child);
      // Ready means one worker listens; the other may still be starting, so ask until both have answered.
      for (let i = 0; i < 200 && healthzServers().size < 2; i += 1) expect(await getOnNewConnection(`${url}/healthz`)).toBe(200);
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      killProcessGroup(child);
    }
    const servedBy = healthzServers();
    expect(servedBy.size).toBe(2);
    expect(servedBy.has(child.pid!)).toBe(false);
    expect(logLines().filter((line) => line.level >= 50)).toEqual([]);
    await expect(getOnNewConnection(`${url}/healthz`)).rejects.toThrow();
  }, 90_000);
});
