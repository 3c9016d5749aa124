/**
 * A log reader that stops reading (a stuck log shipper, a full pipe) must not stop the service
 * from answering: a log write that waited for the reader would hold every request behind it.
 */
import { eventually } from '../support/eventually';
import { killProcessGroup } from '../support/processGroup';
import { spawnService } from '../support/serviceProcess';

/** Far more request lines (about 130 bytes each) than a pipe or socket buffer holds. */
const REQUESTS = 6000;
const CONCURRENCY = 20;

describe('a service whose stdout nobody reads', () => {
  it('keeps answering requests', async () => {
    const { child, url } = await spawnService({ WORKERS: '1' }, { unreadStdout: true });
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
