/**
 * The per-backend setup the HTTP suites share: a client of one backend and the real service on a
 * free port under a key prefix no other suite uses. useService starts one service for the whole
 * describe block; useServices starts one per test, configured by the test. Call them in a describe
 * body; read their fields in tests and later hooks.
 */
import type { Cluster, Redis, RedisOptions } from 'ioredis';
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

function started<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name} is read before its beforeAll ran (read it inside a test or hook).`);
  return value;
}
