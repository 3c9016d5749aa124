import { killProcessGroup } from '../support/processGroup';
import { requestOnNewConnection, spawnService, type ServiceProcess } from '../support/serviceProcess';

const status = async (url: string) => (await requestOnNewConnection(url)).status;

async function waitForReady(service: ServiceProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && service.child.exitCode === null) {
    if ((await status(`${service.url}/readyz`).catch(() => 0)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the service did not become ready');
}

describe('WORKERS', () => {
  it('serves from two node:cluster workers and stops them all cleanly on SIGTERM', async () => {
    const service = await spawnService({ WORKERS: '2' });
    const { child, url } = service;
    const healthzServers = () =>
      new Set(
        service
          .logLines()
          .filter((line) => line.msg === 'request' && line.path === '/healthz')
          .map((line) => line.pid),
      );
    try {
      await waitForReady(service);
      // Ready means one worker listens; the other may still be starting, so ask until both have answered.
      const deadline = Date.now() + 60_000;
      while (healthzServers().size < 2 && Date.now() < deadline) expect(await status(`${url}/healthz`)).toBe(200);
      child.kill('SIGTERM');
      expect(await service.exit).toBe(0);
    } finally {
      killProcessGroup(child);
    }
    const servedBy = healthzServers();
    expect(servedBy.size).toBe(2);
    expect(servedBy.has(child.pid!)).toBe(false);
    expect(service.logLines().filter((line) => line.level >= 50)).toEqual([]);
    await expect(status(`${url}/healthz`)).rejects.toThrow();
  }, 90_000);
});
