/**
 * A log reader that stops reading (a stuck log shipper, a full pipe) must not stop the service:
 * its log is written asynchronously, holds a bounded backlog, and drops lines beyond it.
 */
import { spawn } from 'node:child_process';
import { REPO_ROOT } from '../../src/paths';
import { uniquePrefix } from '../support/backends';
import { eventually } from '../support/eventually';
import { killProcessGroup } from '../support/processGroup';
import { freePort } from '../support/redisServer';

/** Far more request lines (about 130 bytes each) than a pipe or socket buffer holds. */
const REQUESTS = 6000;
const CONCURRENCY = 20;

describe('a service whose stdout nobody reads', () => {
  it('keeps answering requests', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'src/server/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: `redis://127.0.0.1:${process.env.TESSERA_TEST_REDIS_PORT}`,
        KEY_PREFIX: uniquePrefix(),
        WORKERS: '1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    // Never read: once the pipe's buffer is full, every write to it would wait.
    child.stdout.pause();
    try {
      await eventually(async () => (await fetch(`${url}/readyz`).catch(() => null))?.status === 200, 60_000, 'the service ready');
      const statuses: number[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < REQUESTS) {
            next += 1;
            // A service blocked on its log would leave this unanswered: fail, do not hang.
            statuses.push((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) })).status);
          }
        }),
      );
      expect(statuses).toHaveLength(REQUESTS);
      expect(statuses.every((status) => status === 200)).toBe(true);
    } finally {
      killProcessGroup(child);
    }
  }, 120_000);
});
