/**
 * An ioredis client made by Tessera's own factory (the fail-fast options every Tessera
 * deployment uses), resolved once it is ready: that client refuses commands while connecting.
 */
import { createRedisClient, type RedisTarget } from '../../src';

export type BenchRedisClient = ReturnType<typeof createRedisClient>;

export async function connectRedis(target: RedisTarget): Promise<BenchRedisClient> {
  const client = createRedisClient(target);
  client.on('error', (error: Error) => process.stderr.write(`redis: ${error.message}\n`));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Redis was not ready within 10 s')), 10_000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return client;
}
