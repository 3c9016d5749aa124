/**
 * Starts the Redis servers the whole suite shares: one standalone and one 3-master Cluster. Test
 * files keep out of each other's way with their own key prefix; tests that stop Redis start
 * their own. Addresses reach the test workers through the environment.
 */
import { startRedis, startRedisCluster, type RedisClusterProcess, type RedisProcess } from './redisServer';

declare global {
  var __tesseraRedis: { standalone: RedisProcess; cluster: RedisClusterProcess } | undefined;
}

export default async function globalSetup(): Promise<void> {
  const [standalone, cluster] = await Promise.all([startRedis(), startRedisCluster()]);
  globalThis.__tesseraRedis = { standalone, cluster };
  // Services the tests start as `npm start` serve in one process unless a test asks for workers.
  process.env.WORKERS ??= '1';
  process.env.TESSERA_TEST_REDIS_PORT = String(standalone.port);
  process.env.TESSERA_TEST_CLUSTER_NODES = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
}
