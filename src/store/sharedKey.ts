/**
 * A random key every instance shares, kept in Redis under `key`: the first instance to ask
 * stores one, every later one reads it (one SET NX GET, once per process). It signs what is
 * kept by nobody (signed-out form tokens, DPoP nonces), so any instance can check another's.
 */
import { randomBytes } from 'node:crypto';
import { guard } from './guard';
import type { RedisClient } from './scripts';

export async function sharedRandomKey(redis: RedisClient, key: string): Promise<Buffer> {
  const candidate = randomBytes(32).toString('base64url');
  const existing = await guard(() => redis.set(key, candidate, 'NX', 'GET'));
  return Buffer.from(existing ?? candidate, 'base64url');
}
