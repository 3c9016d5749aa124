/**
 * `npm start`: reads the configuration, connects to Redis (or starts the embedded one), serves,
 * and on SIGTERM/SIGINT stops accepting, finishes in-flight requests and closes Redis. With more
 * than one worker (WORKERS), this process is the node:cluster primary: it owns the embedded
 * Redis and the workers' lifecycle (workers.ts), and serves METRICS_PORT with the sum of the
 * workers' metrics (metrics/clusterMetrics.ts); each worker serves as a single process would.
 */
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, workersOf, type Config } from '../config/env';
import { configuredRedis, embeddedRedisDir } from '../config/redisTarget';
import { createLogger } from '../logging/logger';
import { ClusterMetrics } from '../metrics/clusterMetrics';
import { startMetricsServer, type MetricsServer } from '../metrics/metricsServer';
import { createRedisClient, waitUntilReady, type RedisTarget } from '../store/redisClient';
import { startEmbeddedRedis, type EmbeddedRedis } from './embeddedRedis';
import { startService, type RunningService } from './service';
import { isWorkerStart, startWorkers, WORKER_READY, type Workers } from './workers';

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

  if (cluster.isWorker) {
    const target = await new Promise<RedisTarget>((resolve) => {
      const onMessage = (message: unknown) => {
        if (!isWorkerStart(message)) return;
        process.off('message', onMessage);
        resolve(message.redis);
      };
      process.on('message', onMessage);
      process.send!(WORKER_READY);
    });
    await serve(config, target, null, logger, cluster.worker!.id);
    return;
  }

  let embedded: EmbeddedRedis | null = null;
  let target = configuredRedis(config);
  if (!target) {
    embedded = await startEmbeddedRedis(embeddedRedisDir(config));
    logger.info({ socket: embedded.socketPath }, 'started embedded redis-server (inspect with: redis-cli -s <socket>)');
    target = { kind: 'standalone', path: embedded.socketPath };
  }

  const workerCount = workersOf(config);
  if (workerCount === 1) {
    await serve(config, target, embedded, logger);
    return;
  }

  let workers: Workers | null = null;
  let metricsServer: MetricsServer | null = null;
  let stopRequested = false;
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    stopRequested = true;
    void metricsServer?.close();
    void workers?.stop();
  };
  // Installed before the workers start, so a signal during start-up is not lost either.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    workers = await startWorkers(workerCount, target, logger);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  if (config.METRICS_PORT !== undefined && !stopRequested) {
    // Only once every worker listens, so no scrape sums fewer of them.
    metricsServer = await startMetricsServer(new ClusterMetrics(workerCount), config.METRICS_PORT, config.HOST, logger).catch(async (error: unknown) => {
      await workers?.stop();
      await embedded?.stop();
      throw error;
    });
  }
  logger.info({ port: config.PORT, metricsPort: metricsServer?.port ?? null, workers: workerCount }, listeningLine(config.HOST, config.PORT));
  if (stopRequested) void workers.stop();
  // Whoever ends the workers (a signal, or one of them dying), the embedded Redis goes last.
  void workers.stopped.then(async (code) => {
    await metricsServer?.close();
    await embedded?.stop();
    process.exit(code);
  });
}

/**
 * Serves in this process until SIGTERM/SIGINT; `embedded` is stopped last when this process owns it.
 * `clusterWorkerId` is set in a node:cluster worker, whose metrics the primary serves.
 */
async function serve(config: Config, target: RedisTarget, embedded: EmbeddedRedis | null, logger: Logger, clusterWorkerId?: number): Promise<void> {
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
    service = await startService(config, redis, logger, { clusterWorkerId });
  } catch (error) {
    await release();
    throw error;
  }
  if (cluster.isPrimary) logger.info({ port: service.port, metricsPort: service.metricsPort }, listeningLine(config.HOST, service.port));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (cluster.isPrimary) logger.info({ signal }, 'shutting down');
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

/** The start-up line a person reads: where to point a browser or curl (localhost for a wildcard address). */
function listeningLine(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `Tessera listening on http://${shown}:${port}`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
