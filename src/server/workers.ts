/**
 * The primary of `WORKERS=n`: forks n node:cluster workers that share the port (each runs the whole
 * service over its own Redis connection), hands them the Redis target, and stops them gracefully.
 * A worker that dies unasked takes the others down with it and the primary exits 1, so the
 * orchestrator restarts the service as a whole instead of it limping on with fewer workers.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { RedisTarget } from '../store/redisClient';

/** What a worker sends once it listens for messages (one sent earlier would be lost), and what the primary answers. */
export const WORKER_READY = { tessera: 'ready' } as const;

export interface WorkerStart {
  tessera: 'start';
  redis: RedisTarget;
}

export function isWorkerStart(message: unknown): message is WorkerStart {
  return typeof message === 'object' && message !== null && (message as WorkerStart).tessera === 'start';
}

export interface Workers {
  /** Asks every worker to stop; resolves with `stopped`. */
  stop(): Promise<number>;
  /** Resolves once every worker has exited (asked, or after one died): 0 when all stopped cleanly, else 1. */
  stopped: Promise<number>;
}

/** Forks the workers and resolves once each listens. */
export async function startWorkers(count: number, redis: RedisTarget, logger: Logger): Promise<Workers> {
  let stopping = false;
  let failed = false;
  const workers: Worker[] = [];
  const exited: Promise<void>[] = [];
  let onUnaskedExit: () => void = () => undefined;

  const listening = Array.from({ length: count }, () => {
    const worker = cluster.fork();
    workers.push(worker);
    worker.on('message', (message: { tessera?: string } | null) => {
      if (message?.tessera === WORKER_READY.tessera) worker.send({ tessera: 'start', redis } satisfies WorkerStart);
    });
    exited.push(
      new Promise((resolve) =>
        worker.once('exit', (code, signal) => {
          if (code !== 0) failed = true;
          if (!stopping) {
            logger.error({ pid: worker.process.pid, code, signal }, 'a worker exited unasked; stopping the others');
            onUnaskedExit();
          }
          resolve();
        }),
      ),
    );
    return new Promise<void>((resolve, reject) => {
      worker.once('listening', () => resolve());
      worker.once('exit', () => reject(new Error('a worker exited before it listened')));
    });
  });

  const stopped = Promise.all(exited).then(() => (failed ? 1 : 0));
  const stop = (): Promise<number> => {
    if (!stopping) {
      stopping = true;
      // Each worker finishes its requests in flight and closes its Redis connection (main.ts).
      for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGTERM');
    }
    return stopped;
  };
  onUnaskedExit = () => {
    failed = true;
    void stop();
  };

  try {
    await Promise.all(listening);
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop, stopped };
}
