/**
 * The per-backend setup the HTTP suites share: a client of one backend and the real service on a
 * free port under a key prefix no other suite uses. useService starts one service for the whole
 * describe block; useServices starts one per test, configured by the test; useInstancePair starts
 * two instances that share one prefix. Call them in a describe body; read their fields in tests
 * and later hooks.
 */
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { TesseraOptions } from '../../src/options';
import { SessionService } from '../../src/sessions/sessionService';
import { uniquePrefix, type Backend } from './backends';
import { startTestService, type TestService } from './service';

export interface ServiceFixture {
  /** The suite's client, shared with the service. */
  readonly redis: Redis | Cluster;
  readonly service: TestService;
  /** The service's KEY_PREFIX: its own unless `env` names one. */
  readonly prefix: string;
}

export interface ServiceFixtureOptions {
  /** Extra options for the suite's client (e.g. a connection name). */
  redisOptions?: RedisOptions;
}

/** Registers the beforeAll that starts the service and the afterAll that stops it and its client. */
export function useService(backend: Backend, env: Record<string, string> = {}, options: ServiceFixtureOptions = {}): ServiceFixture {
  const prefix = env.KEY_PREFIX ?? uniquePrefix();
  let redis: Redis | Cluster | undefined;
  let service: TestService | undefined;

  beforeAll(async () => {
    redis = await backend.connect(options.redisOptions);
    service = await startTestService(redis, { KEY_PREFIX: prefix, ...env });
  });
  afterAll(async () => {
    await service?.close();
    await redis?.quit();
  });

  return {
    get redis() {
      return started(redis, 'redis');
    },
    get service() {
      return started(service, 'service');
    },
    prefix,
  };
}

export interface ServicesFixture {
  /** The suite's client, shared with every service it starts. */
  readonly redis: Redis | Cluster;
  /** Starts a service with a key prefix of its own and these options; it stops when the test ends. */
  serve(env?: Record<string, string>): Promise<TestService>;
}

/** For suites whose every test needs a service configured its own way: one client, a service per test. */
export function useServices(backend: Backend): ServicesFixture {
  let redis: Redis | Cluster | undefined;
  const running: TestService[] = [];

  beforeAll(async () => {
    redis = await backend.connect();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((service) => service.close()));
  });
  afterAll(async () => {
    await redis?.quit();
  });

  const fixture: ServicesFixture = {
    get redis() {
      return started(redis, 'redis');
    },
    async serve(env = {}) {
      const service = await startTestService(fixture.redis, { KEY_PREFIX: uniquePrefix(), ...env });
      running.push(service);
      return service;
    },
  };
  return fixture;
}

export interface InstancePairFixture {
  /** Two instances under one key prefix, each with a client of its own, as two processes behind a load balancer. */
  readonly a: TestService;
  readonly b: TestService;
  /** Starts another such pair under a fresh prefix, with `env` on top of the block's; it stops when the test ends. */
  pair(env?: Record<string, string>): Promise<[TestService, TestService]>;
}

/** For suites about what instances share through Redis: a pair for the block, and more on demand. */
export function useInstancePair(backend: Backend, env: Record<string, string> = {}): InstancePairFixture {
  let clients: [Redis | Cluster, Redis | Cluster] | undefined;
  let first: [TestService, TestService] | undefined;
  const extra: TestService[] = [];

  const start = async (more: Record<string, string>): Promise<[TestService, TestService]> => {
    const [redisA, redisB] = started(clients, 'the pair’s clients');
    const shared = { KEY_PREFIX: uniquePrefix(), ...env, ...more };
    return Promise.all([startTestService(redisA, shared), startTestService(redisB, shared)]);
  };

  beforeAll(async () => {
    clients = await Promise.all([backend.connect(), backend.connect()]);
    first = await start({});
  });
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((service) => service.close()));
  });
  afterAll(async () => {
    await Promise.all(first?.map((service) => service.close()) ?? []);
    await Promise.all(clients?.map((client) => client.quit()) ?? []);
  });

  return {
    get a() {
      return started(first, 'a')[0];
    },
    get b() {
      return started(first, 'b')[1];
    },
    async pair(more = {}) {
      const services = await start(more);
      extra.push(...services);
      return services;
    },
  };
}

export interface SessionServicesFixture {
  /** The suite's client. */
  readonly redis: Redis | Cluster;
  /** This test's key prefix: a new one for every test. */
  readonly prefix: string;
  /** A session service (the library, no HTTP) on the suite's client under this test's prefix. */
  service(options?: TesseraOptions): SessionService;
}

/** For suites of the session service itself: one client, and a fresh key prefix per test. */
export function useSessionServices(backend: Backend): SessionServicesFixture {
  let redis: Redis | Cluster | undefined;
  let prefix = uniquePrefix();
  beforeAll(async () => {
    redis = await backend.connect();
  });
  afterAll(async () => {
    await redis?.quit();
  });
  beforeEach(() => {
    prefix = uniquePrefix();
  });
  return {
    get redis() {
      return started(redis, 'redis');
    },
    get prefix() {
      return prefix;
    },
    service: (options = {}) => new SessionService(started(redis, 'redis'), { keyPrefix: prefix, ...options }),
  };
}

function started<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name} is read before its beforeAll ran (read it inside a test or hook).`);
  return value;
}
