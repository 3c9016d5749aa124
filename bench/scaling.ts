/**
 * Scaling out: the whole service with `WORKERS=1` and then `WORKERS=2` (node:cluster workers
 * sharing one port) on one Redis, GET /auth/session interleaved over the rounds like the main
 * table. Everything here runs unpinned, on a Redis of
 * its own: pinned, two app processes would have no core of their own and Redis no room to move,
 * so the figure shows what a second process gains when it competes with Redis and the load
 * generator for the same cores, as it would on one small machine.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { foreignCores, sampleCpu } from './interference';
import { runLoad, type LoadResult } from './load';
import type { BenchOptions } from './options';
import { startStandalone } from './redis';
import { startServiceWorkers, type ServiceWorkers } from './serviceWorkers';
import { median } from './stats';

export interface ScalingRow {
  workers: number;
  requestsPerSecond: number;
  p99Ms: number;
  runs: (LoadResult & { foreignCores: number })[];
}

export const SCALING_WORKERS = [1, 2] as const;

export async function measureScaling(options: BenchOptions): Promise<ScalingRow[]> {
  const redis = await startStandalone('');
  const servers: ServiceWorkers[] = [];
  try {
    const target = redis.target;
    if (target.kind !== 'standalone') throw new Error('scaling needs a standalone Redis');
    for (const workers of SCALING_WORKERS) servers.push(await startServiceWorkers(workers, target, `bench-scaling-${workers}`));
    const runs: ScalingRow['runs'][] = SCALING_WORKERS.map(() => []);
    for (let round = 0; round < options.scalingRounds; round++) {
      for (let k = 0; k < servers.length; k++) {
        const i = (k + round) % servers.length;
        const load = { url: servers[i].url, headers: servers[i].headers, connections: options.connections, cpus: '' };
        if (options.warmupSeconds > 0) await runLoad({ ...load, durationSeconds: options.warmupSeconds });
        await sleep(200);
        const cpuBefore = sampleCpu();
        const result = await runLoad({ ...load, durationSeconds: options.durationSeconds });
        const foreign = foreignCores(cpuBefore, sampleCpu());
        if (result.non2xx > 0) throw new Error(`WORKERS=${SCALING_WORKERS[i]}: ${result.non2xx} answers were not 2xx`);
        runs[i].push({ ...result, foreignCores: foreign });
        process.stderr.write(
          `  round ${round + 1}/${options.scalingRounds} WORKERS=${SCALING_WORKERS[i]}  ${Math.round(result.requestsPerSecond)} req/s  other work ${foreign.toFixed(2)} cores\n`,
        );
      }
    }
    return SCALING_WORKERS.map((workers, i) => ({
      workers,
      requestsPerSecond: median(runs[i].map((r) => r.requestsPerSecond)),
      p99Ms: median(runs[i].map((r) => r.p99Ms)),
      runs: runs[i],
    }));
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await redis.stop();
  }
}
