/**
 * The per-backend setup most HTTP suites share: a client of one backend, a key prefix no other
 * suite uses, and the real service on a free port, started before the describe block's tests and
 * closed after them. Call it in a describe body; read its fields in tests and later hooks.
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

function started<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`useService: ${name} is read before its beforeAll ran (read it inside a test or hook).`);
  return value;
}
