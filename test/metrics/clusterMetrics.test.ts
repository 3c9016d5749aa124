import { eventually } from '../support/eventually';
import { killProcessGroup } from '../support/processGroup';
import { freePort } from '../support/redisServer';
import { sampleValue, scrape } from '../support/scrape';
import { requestOnNewConnection, spawnService, type Answer, type ServiceProcess } from '../support/serviceProcess';

describe('METRICS_PORT with WORKERS=2', () => {
  let service: ServiceProcess;
  let url: string;
  let metricsPort: number;
  let token: string;

  const logLines = () => service.logLines();
  const servedSessionChecks = () =>
    new Set(
      logLines()
        .filter((line) => line.msg === 'request' && line.path === '/auth/session')
        .map((line) => line.pid),
    );
  const metricsAnswer = () => requestOnNewConnection(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => ({ status: 0, body: '' }));

  beforeAll(async () => {
    metricsPort = await freePort();
    service = await spawnService({ WORKERS: '2', METRICS_PORT: String(metricsPort) });
    url = service.url;
    // The primary opens METRICS_PORT once every worker listens.
    const deadline = Date.now() + 60_000;
    while ((await metricsAnswer()).status !== 200) {
      if (Date.now() > deadline || service.child.exitCode !== null) throw new Error(`the service did not start:\n${service.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const credentials = { username: 'counted-everywhere', password: 'correct horse battery' };
    expect((await requestOnNewConnection(`${url}/auth/register`, { method: 'POST', json: credentials })).status).toBe(201);
    const login = await requestOnNewConnection(`${url}/auth/login`, { method: 'POST', json: credentials });
    expect(login.status).toBe(200);
    token = (JSON.parse(login.body) as { token: string }).token;
  }, 90_000);

  afterAll(async () => {
    try {
      service.child.kill('SIGTERM');
      expect(await service.exit).toBe(0);
    } finally {
      killProcessGroup(service.child);
    }
    expect(logLines().filter((line) => line.level >= 50)).toEqual([]);
  }, 30_000);

  it('counts every authenticated request exactly once, whichever worker served it', async () => {
    const before = await scrape(metricsPort);
    let made = 0;
    // At least ten, and on until both workers have served some, so one worker's count alone falls short.
    while (made < 10 || (servedSessionChecks().size < 2 && made < 200)) {
      expect((await requestOnNewConnection(`${url}/auth/session`, { token })).status).toBe(200);
      made += 1;
    }
    expect(servedSessionChecks().size).toBe(2);
    const after = await scrape(metricsPort);
    const moved = (name: string, labels?: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(moved('tessera_token_checks_total', { outcome: 'valid' })).toBe(made);
    expect(moved('tessera_touch_duration_seconds_count')).toBe(made);
    expect(moved('tessera_http_request_duration_seconds_count', { method: 'GET', route: '/auth/session', status: '200' })).toBe(made);
    // Summed into one series per label set, not one per worker.
    expect(after.filter((sample) => sample.name === 'tessera_token_checks_total' && sample.labels.outcome === 'valid')).toHaveLength(1);
  }, 90_000);

  it('labels Node’s process metrics by worker, and Tessera’s not at all', async () => {
    const samples = await scrape(metricsPort);
    const workersOf = (name: string) =>
      samples
        .filter((sample) => sample.name === name)
        .map((sample) => sample.labels.worker)
        .sort();
    expect(workersOf('process_resident_memory_bytes')).toEqual(['1', '2']);
    expect(workersOf('nodejs_eventloop_lag_seconds')).toEqual(['1', '2']);
    expect(samples.filter((sample) => sample.name.startsWith('tessera_') && 'worker' in sample.labels)).toEqual([]);
  });

  it('answers 503 while a worker does not answer, never a partial sum, and the whole sum once it does', async () => {
    const before = await scrape(metricsPort);
    // Any worker: one that served the login in beforeAll.
    await eventually(async () => logLines().some((line) => line.msg === 'request'), 10_000, 'a request logged');
    const stuck = logLines().find((line) => line.msg === 'request')!.pid;
    process.kill(stuck, 'SIGSTOP');
    let during: Answer;
    try {
      during = await metricsAnswer();
    } finally {
      process.kill(stuck, 'SIGCONT');
    }
    expect(during.status).toBe(503);
    // The scraper sees only the status; the log says why.
    await eventually(async () => logLines().some((line) => line.msg === 'metrics could not be collected; answered 503'), 10_000, 'the 503 logged');
    const after = await scrape(metricsPort);
    expect(sampleValue(after, 'tessera_token_checks_total', { outcome: 'valid' })).toBe(
      sampleValue(before, 'tessera_token_checks_total', { outcome: 'valid' }),
    );
    expect(after.filter((sample) => sample.name === 'process_resident_memory_bytes')).toHaveLength(2);
  }, 30_000);
});
