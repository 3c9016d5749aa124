/** Looks inside Redis the way an operator would: every master of a Cluster, or the one server. */
import { Cluster, type Redis } from 'ioredis';

export async function mastersOf(redis: Redis | Cluster): Promise<Redis[]> {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

export async function keysWithPrefix(redis: Redis | Cluster, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for (const node of await mastersOf(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix.replace(/[{}*?[\]]/g, '\\$&')}*`, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}
