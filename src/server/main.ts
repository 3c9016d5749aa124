/**
 * `npm start`: reads the configuration, connects to Redis (or starts the embedded one), serves,
 * and on SIGTERM/SIGINT stops accepting, finishes in-flight requests and closes Redis.
 */
import { ConfigError, loadConfig, type Config } from '../config/env';
import { configuredRedis, embeddedRedisDir } from '../config/redisTarget';
import { createLogger } from '../logging/logger';
import { createRedisClient, waitUntilReady } from '../store/redisClient';
import { startEmbeddedRedis, type EmbeddedRedis } from './embeddedRedis';
import { startService, type RunningService } from './service';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.LOG_LEVEL);

  let embedded: EmbeddedRedis | null = null;
  let target = configuredRedis(config);
  if (!target) {
    embedded = await startEmbeddedRedis(embeddedRedisDir(config));
    logger.info({ socket: embedded.socketPath }, 'started embedded redis-server (inspect with: redis-cli -s <socket>)');
    target = { kind: 'standalone', path: embedded.socketPath };
  }

  const redis = createRedisClient(target, { logger });
  // Whatever happens from here, the embedded Redis must not outlive this process.
  const release = async () => {
    await redis.quit().catch(() => redis.disconnect());
    await embedded?.stop();
  };

  let service: RunningService;
  try {
    try {
      await waitUntilReady(redis, 5000);
    } catch {
      // Serve anyway: /readyz and every session check answer 503 until Redis is back.
      logger.warn('redis is not reachable yet; answering 503 until it is');
    }
    service = await startService(config, redis, logger);
  } catch (error) {
    await release();
    throw error;
  }
  logger.info({ port: service.port, metricsPort: service.metricsPort }, 'tessera listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    let code = 0;
    try {
      await service.close();
    } catch (error) {
      logger.error({ err: error }, 'could not close cleanly');
      code = 1;
    }
    await release();
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
