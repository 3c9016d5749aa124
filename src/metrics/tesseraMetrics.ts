/**
 * The service's Prometheus metrics: one registry per service, holding Node's default process
 * metrics and Tessera's own (all named tessera_*). It implements the observer hooks the library
 * and the service call, so nothing below the composition root depends on prom-client. Label
 * values come from closed sets (outcomes, kinds, route patterns, status codes), never from input.
 * In a node:cluster worker the primary serves the sum of every worker's registry (clusterMetrics.ts).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LoginObserver, LoginOutcome } from '../accounts/accountService';
import { StoreUnavailableError } from '../errors';
import type { RequestObserver } from '../http/requestMetrics';
import type { PasswordQueueObserver } from '../passwords/passwordHasher';
import type { MetricsSource } from './metricsServer';
import type { DurableOutcome } from '../store/durableWrites';
import { fullestRatio, type RedisMemory } from '../store/redisMemory';
import type { RevocationKind, SessionObserver, TokenCheckOutcome } from '../sessions/observer';

/** connection: the Redis client lost or could not open a connection; command: a request failed because Redis did not answer. */
export type RedisErrorKind = 'connection' | 'command';

const TOKEN_CHECK_OUTCOMES: TokenCheckOutcome[] = ['valid', 'invalid', 'unavailable'];
const LOGIN_OUTCOMES: LoginOutcome[] = ['success', 'failure', 'throttled', 'banned', 'error'];
const REVOCATION_KINDS: RevocationKind[] = ['session', 'all', 'others', 'ban', 'password', 'replaced'];

export interface TesseraMetricsOptions {
  /** The node:cluster worker id this process serves as, or unset in a single process. Node's default metrics carry it as the `worker` label, so the primary's aggregate keeps them per process. */
  workerId?: number;
}

export class TesseraMetrics implements SessionObserver, LoginObserver, PasswordQueueObserver, RequestObserver, MetricsSource {
  readonly registry = new Registry();

  private readonly requestDuration = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly tokenChecks = new Counter({
    name: 'tessera_token_checks_total',
    help: 'Token checks, by outcome: valid, invalid (malformed, unknown, revoked or expired), unavailable (Redis did not answer).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Bound once, so a token check does no label lookup of its own. */
  private readonly tokenCheckCounters = Object.fromEntries(TOKEN_CHECK_OUTCOMES.map((outcome) => [outcome, this.tokenChecks.labels(outcome)])) as Record<
    TokenCheckOutcome,
    { inc(): void }
  >;

  private readonly touchDuration = new Histogram({
    name: 'tessera_touch_duration_seconds',
    help: 'Round trip of the touch script that checks a token and slides its session (the hot path).',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  private readonly logins = new Counter({
    name: 'tessera_logins_total',
    help: 'Login attempts, by outcome: success, failure (unknown name or wrong password), throttled, banned, error (not answered).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly revocations = new Counter({
    name: 'tessera_revocations_total',
    help: 'Sessions ended before their time, by kind: session, all, others, ban, password, replaced.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly redisErrors = new Counter({
    name: 'tessera_redis_errors_total',
    help: 'Redis faults: connection (the client lost or could not open a connection), command (a request failed because Redis did not answer).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly durableWrites = new Counter({
    name: 'tessera_durable_writes_total',
    help: 'Security writes that waited for Redis to confirm them, by outcome: confirmed, unconfirmed (timed out; answered 503).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly passwordQueueWait = new Histogram({
    name: 'tessera_password_queue_wait_seconds',
    help: 'Time a bcrypt hash or check waited for a free worker thread.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly eventsLost = new Counter({
    name: 'tessera_events_lost_total',
    help: 'Lifecycle events that could not be appended to the event stream (the act itself happened).',
    registers: [this.registry],
  });

  constructor(options: TesseraMetricsOptions = {}) {
    const { workerId } = options;
    collectDefaultMetrics({ register: this.registry, ...(workerId === undefined ? {} : { labels: { worker: String(workerId) } }) });
    // Every series exists from the start, so rate() and absence-based alerts work before the first event.
    for (const outcome of TOKEN_CHECK_OUTCOMES) this.tokenChecks.inc({ outcome }, 0);
    for (const outcome of LOGIN_OUTCOMES) this.logins.inc({ outcome }, 0);
    for (const kind of REVOCATION_KINDS) this.revocations.inc({ kind }, 0);
    for (const kind of ['connection', 'command']) this.redisErrors.inc({ kind }, 0);
    for (const outcome of ['confirmed', 'unconfirmed']) this.durableWrites.inc({ outcome }, 0);
  }

  /** Reports the password queue's length at each scrape. */
  watchPasswordQueue(queueSize: () => number): void {
    new Gauge({
      name: 'tessera_password_queue_length',
      help: 'bcrypt hashes and checks waiting for a free worker thread.',
      registers: [this.registry],
      collect() {
        this.set(queueSize());
      },
    });
  }

  /**
   * Reports at each scrape how full Redis is: used_memory / maxmemory of the fullest master (0
   * when Redis has no maxmemory). A scrape that cannot reach Redis, or is refused INFO, keeps the last value.
   */
  watchRedisMemory(read: () => Promise<RedisMemory[] | null>): void {
    new Gauge({
      name: 'tessera_redis_memory_used_ratio',
      help: 'Redis used_memory / maxmemory, of the fullest master; 0 without maxmemory. Near 1, writes (logins) answer 503.',
      registers: [this.registry],
      // Every worker reads the same Redis: the primary's aggregate takes one reading, not their sum.
      aggregator: 'max',
      async collect() {
        const memory = await read().catch(() => null);
        if (memory) this.set(fullestRatio(memory));
      },
    });
  }

  tokenChecked(outcome: TokenCheckOutcome, touchSeconds: number | null): void {
    this.tokenCheckCounters[outcome].inc();
    if (touchSeconds !== null) this.touchDuration.observe(touchSeconds);
  }

  sessionsRevoked(kind: RevocationKind, count: number): void {
    this.revocations.inc({ kind }, count);
  }

  eventLost(): void {
    this.eventsLost.inc();
  }

  loginAttempted(outcome: LoginOutcome): void {
    this.logins.inc({ outcome });
  }

  passwordTaskWaited(seconds: number): void {
    this.passwordQueueWait.observe(seconds);
  }

  requestFinished(method: string, route: string, status: number, seconds: number): void {
    this.requestDuration.observe({ method, route, status }, seconds);
  }

  serverError(error: unknown): void {
    if (error instanceof StoreUnavailableError) this.redisError('command');
  }

  redisError(kind: RedisErrorKind): void {
    this.redisErrors.inc({ kind });
  }

  /** One call per security write that waited for Redis to confirm it (DurableWrites' `outcome` event). */
  durableWrite(outcome: DurableOutcome): void {
    this.durableWrites.inc({ outcome });
  }

  /** The scrape body and its content type. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
