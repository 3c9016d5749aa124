import type { Redis } from 'ioredis';
import { createRedisClient, waitUntilReady } from '../../src/store/redisClient';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { startPrivateRedis, type PrivateRedis } from '../support/privateRedis';
import { cutOffReplica, startMasterWithReplica, type MasterWithReplica } from '../support/replication';
import { parseExposition, sampleValue, scrape, type Sample } from '../support/scrape';
import { logIn, signUpAndLogIn, startTestService, type TestService } from '../support/service';
import { useService } from '../support/serviceFixture';

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const standalone = BACKENDS.find((backend) => backend.name === 'standalone')!;

const TESSERA_METRICS = [
  'tessera_http_request_duration_seconds',
  'tessera_token_checks_total',
  'tessera_touch_duration_seconds',
  'tessera_logins_total',
  'tessera_revocations_total',
  'tessera_redis_errors_total',
  'tessera_durable_writes_total',
  'tessera_password_queue_length',
  'tessera_password_queue_wait_seconds',
  'tessera_events_lost_total',
  'tessera_redis_memory_used_ratio',
];

describe('GET /metrics', () => {
  const suite = useService(standalone, { METRICS_PORT: '0' });
  // The first login of an unknown name waits for the dummy hash the service makes at start, so no test counts it.
  beforeAll(() => suite.service.call('POST', '/auth/login', { body: { username: 'nobody-yet', password: 'whatever-it-is' } }));

  /** How much each metric moved while `act` ran. */
  async function movedBy(act: () => Promise<void>): Promise<(name: string, labels?: Record<string, string>) => number> {
    const before = await scrape(suite.service.metricsPort!);
    await act();
    const after = await scrape(suite.service.metricsPort!);
    return (name, labels) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
  }

  it('answers in Prometheus text format on its own port, with every Tessera metric and Node’s process metrics', async () => {
    expect(suite.service.metricsPort).not.toBe(suite.service.port);
    const response = await fetch(`http://127.0.0.1:${suite.service.metricsPort}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    for (const name of TESSERA_METRICS) expect(text).toContain(`# TYPE ${name} `);
    const samples = parseExposition(text);
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(samples.some((sample) => sample.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
    // Every outcome is there from the start, so rate() works before the first one happens.
    expect(
      samples
        .filter((sample) => sample.name === 'tessera_logins_total')
        .map((sample) => sample.labels.outcome)
        .sort(),
    ).toEqual(['banned', 'error', 'failure', 'success', 'throttled']);
    expect((await suite.service.call('GET', '/metrics')).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${suite.service.metricsPort}/other`)).status).toBe(404);
  });

  it('counts logins by outcome and how long their hashing waited for a worker', async () => {
    const moved = await movedBy(async () => {
      await signUpAndLogIn(suite.service, 'counted');
      const wrong = await suite.service.call('POST', '/auth/login', { body: { username: 'counted', password: 'wrong password!' } });
      expect(wrong.status).toBe(401);
    });
    expect(moved('tessera_logins_total', { outcome: 'success' })).toBe(1);
    expect(moved('tessera_logins_total', { outcome: 'failure' })).toBe(1);
    // The registration's score and hash, and two checks.
    expect(moved('tessera_password_queue_wait_seconds_count')).toBe(4);
    const unknown = await movedBy(async () => {
      const response = await suite.service.call('POST', '/auth/login', { body: { username: 'nobody-here', password: 'whatever-it-is' } });
      expect(response.status).toBe(401);
    });
    expect(unknown('tessera_logins_total', { outcome: 'failure' })).toBe(1);
  });

  it('counts a login refused by the failed-login throttle as throttled, before any password check', async () => {
    await signUpAndLogIn(suite.service, 'hammered');
    const moved = await movedBy(async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const wrong = await suite.service.call('POST', '/auth/login', { body: { username: 'hammered', password: 'wrong password!' } });
        expect(wrong.status).toBe(401);
      }
      const refused = await suite.service.call('POST', '/auth/login', { body: { username: 'hammered', password: 'correct horse battery' } });
      expect(refused.status).toBe(429);
    });
    expect(moved('tessera_logins_total', { outcome: 'failure' })).toBe(5);
    expect(moved('tessera_logins_total', { outcome: 'throttled' })).toBe(1);
    expect(moved('tessera_logins_total', { outcome: 'success' })).toBe(0);
    expect(moved('tessera_password_queue_wait_seconds_count')).toBe(5);
  });

  it('counts a banned user’s login with the right password as banned', async () => {
    const { body } = await signUpAndLogIn(suite.service, 'to-be-banned');
    const moved = await movedBy(async () => {
      expect(await suite.service.sessions.ban(body.user.id)).toBe(1);
      const refused = await suite.service.call('POST', '/auth/login', { body: { username: 'to-be-banned', password: 'correct horse battery' } });
      expect(refused.status).toBe(403);
    });
    expect(moved('tessera_logins_total', { outcome: 'banned' })).toBe(1);
    expect(moved('tessera_revocations_total', { kind: 'ban' })).toBe(1);
  });

  it('counts token checks by outcome and times the touch script of each that reached Redis', async () => {
    const { token } = await signUpAndLogIn(suite.service, 'checker');
    const wrongSecret = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const moved = await movedBy(async () => {
      expect((await suite.service.call('GET', '/auth/session', { token })).status).toBe(200);
      expect((await suite.service.call('GET', '/auth/session', { token: wrongSecret })).status).toBe(401);
      expect((await suite.service.call('GET', '/auth/session', { token: 'not-a-token' })).status).toBe(401);
    });
    expect(moved('tessera_token_checks_total', { outcome: 'valid' })).toBe(1);
    expect(moved('tessera_token_checks_total', { outcome: 'invalid' })).toBe(2);
    // The malformed token never reached Redis.
    expect(moved('tessera_touch_duration_seconds_count')).toBe(2);
    expect(moved('tessera_touch_duration_seconds_sum')).toBeGreaterThan(0);
  });

  it('counts revocations by kind', async () => {
    const first = await signUpAndLogIn(suite.service, 'revoker');
    const second = await logIn(suite.service, 'revoker');
    const third = await logIn(suite.service, 'revoker');
    const fourth = await logIn(suite.service, 'revoker');
    const moved = await movedBy(async () => {
      expect((await suite.service.call('DELETE', `/auth/sessions/${second.body.session.id}`, { token: first.token })).status).toBe(204);
      expect((await suite.service.call('POST', '/auth/logout', { token: third.token })).status).toBe(204);
      const changed = await suite.service.call('POST', '/auth/password', {
        token: first.token,
        body: { currentPassword: 'correct horse battery', newPassword: 'a new horse battery' },
      });
      expect(changed.status).toBe(204);
      expect((await suite.service.call('POST', '/auth/logout-all', { token: first.token })).status).toBe(204);
    });
    expect(moved('tessera_revocations_total', { kind: 'session' })).toBe(2);
    expect(moved('tessera_revocations_total', { kind: 'password' })).toBe(1); // the fourth session
    expect(moved('tessera_revocations_total', { kind: 'all' })).toBe(1); // the first, kept by the password change
    expect(fourth.token).not.toBe(first.token);
  });

  it('times requests by route pattern and status, never by the raw path', async () => {
    const { token, body } = await signUpAndLogIn(suite.service, 'router');
    const other = await logIn(suite.service, 'router');
    const moved = await movedBy(async () => {
      expect((await suite.service.call('DELETE', `/auth/sessions/${other.body.session.id}`, { token })).status).toBe(204);
      expect((await suite.service.call('GET', `/no/such/${body.session.id}`)).status).toBe(404);
    });
    const count = 'tessera_http_request_duration_seconds_count';
    expect(moved(count, { method: 'DELETE', route: '/auth/sessions/:id', status: '204' })).toBe(1);
    expect(moved(count, { method: 'GET', route: '(none)', status: '404' })).toBe(1);
    const routes = (await scrape(suite.service.metricsPort!)).filter((sample) => sample.name === count).map((sample) => sample.labels.route);
    expect(routes.some((route) => route.includes(body.session.id) || route.includes(other.body.session.id))).toBe(false);
  });

  it('is off unless METRICS_PORT is set', async () => {
    const plain = await startTestService(suite.redis, { KEY_PREFIX: uniquePrefix() });
    try {
      expect(plain.metricsPort).toBeNull();
      expect((await plain.call('GET', '/metrics')).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe('GET /metrics while Redis is down', () => {
  let privateRedis: PrivateRedis;
  let service: TestService;

  beforeEach(async () => {
    privateRedis = await startPrivateRedis();
    service = await startTestService(privateRedis.redis, { METRICS_PORT: '0' });
  });
  afterEach(async () => {
    await service.close();
    await privateRedis.destroy();
  });

  it('still answers, and counts the unavailable token checks and Redis errors', async () => {
    const { token } = await signUpAndLogIn(service, 'stranded');
    const before: Sample[] = await scrape(service.metricsPort!);
    await privateRedis.server.stop();
    expect((await service.call('GET', '/auth/session', { token })).status).toBe(503);
    expect((await service.call('POST', '/auth/login', { body: { username: 'stranded', password: 'correct horse battery' } })).status).toBe(503);
    const after = await scrape(service.metricsPort!);
    const moved = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(moved('tessera_token_checks_total', { outcome: 'unavailable' })).toBe(1);
    expect(moved('tessera_logins_total', { outcome: 'error' })).toBe(1);
    expect(moved('tessera_redis_errors_total', { kind: 'command' })).toBe(2);
    // The token check runs before routing: its 503 has no route.
    expect(moved('tessera_http_request_duration_seconds_count', { method: 'GET', route: '(none)', status: '503' })).toBe(1);
    expect(moved('tessera_http_request_duration_seconds_count', { method: 'POST', route: '/auth/login', status: '503' })).toBe(1);
    // The client reports each failed reconnection attempt.
    await eventually(async () => sampleValue(await scrape(service.metricsPort!), 'tessera_redis_errors_total', { kind: 'connection' }) > 0);
  });
});

describe('GET /metrics with security writes confirmed by a replica', () => {
  let servers: MasterWithReplica;
  let redis: Redis;
  let service: TestService;

  beforeAll(async () => {
    servers = await startMasterWithReplica(['--appendonly', 'no']);
    redis = createRedisClient({ kind: 'standalone', url: `redis://127.0.0.1:${servers.master.port}` }) as Redis;
    redis.on('error', () => undefined);
    await waitUntilReady(redis, 10_000);
    // A second for the replica's acknowledgement: a busy machine can take longer than a few hundred ms.
    service = await startTestService(redis, { METRICS_PORT: '0', DURABLE_REPLICAS: '1', DURABLE_TIMEOUT: '1s' });
  });
  afterAll(async () => {
    await service.close();
    redis.disconnect();
    await servers.destroy();
  });

  it('counts the confirmed writes and the ones that timed out', async () => {
    const confirmed = await signUpAndLogIn(service, 'confirmed');
    const unconfirmed = await logIn(service, 'confirmed');
    const before = await scrape(service.metricsPort!);
    expect((await service.call('POST', '/auth/logout', { token: confirmed.token })).status).toBe(204);
    const cut = await cutOffReplica(servers.master, servers.replica);
    try {
      expect((await service.call('POST', '/auth/logout', { token: unconfirmed.token })).status).toBe(503);
    } finally {
      cut.resume();
    }
    const after = await scrape(service.metricsPort!);
    const moved = (outcome: string) =>
      sampleValue(after, 'tessera_durable_writes_total', { outcome }) - sampleValue(before, 'tessera_durable_writes_total', { outcome });
    expect(moved('confirmed')).toBe(1);
    expect(moved('unconfirmed')).toBe(1);
  });
});
