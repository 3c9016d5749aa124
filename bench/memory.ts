/**
 * Redis memory per live session: Tessera against connect-redis (express-session's store), each
 * on a fresh redis-server with Redis's default configuration (hash-max-listpack-value 64, as a
 * managed Redis runs, not the repo's redis.conf), filled with the same realistic sessions
 * (sessionShape.ts), one user per session. INFO memory used_memory before and after, divided by
 * the count. For Tessera that includes everything a user's first session brings along (the user
 * hash, with the session index, the known devices and the roles in it; the session hash holds the
 * packed user agent), which a second session of the same user does not pay again; the second
 * figure measures that marginal session.
 */
import { randomBytes } from 'node:crypto';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import { createClient } from 'redis';
import { createTessera } from '../src';
import type { CpuLayout } from './cpus';
import { startStandalone, type BenchRedis } from './redis';
import { connectRedis } from './servers/connectRedis';
import './servers/expressSessionData';
import { sessionShape } from './sessionShape';

export interface MemoryRow {
  store: 'tessera' | 'tessera (second session of a user)' | 'connect-redis';
  sessions: number;
  /** Keys in Redis afterwards, per session. */
  keysPerSession: number;
  bytesPerSession: number;
}

/** Sessions written at once: enough to keep Redis busy, few enough to keep latency sane. */
const CONCURRENCY = 200;
const IDLE_TIMEOUT_SECONDS = 30 * 60;

export async function measureMemory(count: number, cpus: CpuLayout): Promise<MemoryRow[]> {
  const tessera = await onFreshRedis(cpus, (redis) => tesseraSessions(redis, count));
  const connectRedisRows = await onFreshRedis(cpus, (redis) => connectRedisSessions(redis, count));
  return [...tessera, ...connectRedisRows];
}

async function onFreshRedis<T>(cpus: CpuLayout, measure: (redis: BenchRedis) => Promise<T>): Promise<T> {
  const redis = await startStandalone(cpus.load, { defaults: true });
  try {
    return await measure(redis);
  } finally {
    await redis.stop();
  }
}

async function tesseraSessions(redis: BenchRedis, count: number): Promise<MemoryRow[]> {
  const client = await connectRedis(redis.target);
  try {
    const tessera = createTessera(client, { idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS });
    const userIds: string[] = [];
    const createOne = async (n: number, userId?: string) => {
      const shape = sessionShape(n);
      const id = userId ?? shape.userId;
      const { session } = await tessera.create(id, { device: shape.device, ip: shape.ip, userAgent: shape.userAgent });
      if (!userId) await tessera.setRoles(id, shape.roles);
      for (const [name, value] of Object.entries(shape.attributes)) await tessera.setAttribute(session.id, name, value);
      return id;
    };
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
    const dbSize = () => client.dbsize();

    const before = await usedMemory();
    await inBatches(count, async (n) => {
      userIds[n] = await createOne(n);
    });
    const afterFirst = await usedMemory();
    const keysFirst = await dbSize();
    await inBatches(count, (n) => createOne(count + n, userIds[n]));
    const afterSecond = await usedMemory();
    const keysSecond = await dbSize();
    return [
      { store: 'tessera', sessions: count, keysPerSession: keysFirst / count, bytesPerSession: (afterFirst - before) / count },
      {
        store: 'tessera (second session of a user)',
        sessions: count,
        keysPerSession: (keysSecond - keysFirst) / count,
        bytesPerSession: (afterSecond - afterFirst) / count,
      },
    ];
  } finally {
    client.disconnect();
  }
}

async function connectRedisSessions(redis: BenchRedis, count: number): Promise<MemoryRow[]> {
  if (redis.target.kind !== 'standalone') throw new Error('connect-redis is measured on standalone Redis');
  const client = createClient({ url: redis.target.url });
  await client.connect();
  try {
    const store = new RedisStore({ client, prefix: 'sess:', ttl: IDLE_TIMEOUT_SECONDS });
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
    const before = await usedMemory();
    await inBatches(count, async (n) => {
      const shape = sessionShape(n);
      // What express-session hands its store: the cookie's JSON form and the app's fields.
      const cookie = new session.Cookie();
      cookie.maxAge = IDLE_TIMEOUT_SECONDS * 1000;
      const data: session.SessionData = {
        cookie,
        user: { id: shape.userId, roles: shape.roles },
        device: shape.device,
        ip: shape.ip,
        userAgent: shape.userAgent,
        attributes: shape.attributes,
      };
      // express-session's default ids: uid-safe of 24 bytes, 32 characters.
      await store.set(randomBytes(24).toString('base64url'), data);
    });
    const after = await usedMemory();
    const keys = await client.dbSize();
    return [{ store: 'connect-redis', sessions: count, keysPerSession: keys / count, bytesPerSession: (after - before) / count }];
  } finally {
    client.destroy();
  }
}

/** Runs work(0 .. count-1) with CONCURRENCY in flight. */
async function inBatches(count: number, work: (n: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, lane));
}
