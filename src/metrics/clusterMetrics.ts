/**
 * Metrics across node:cluster workers (`WORKERS=n` with `METRICS_PORT`), with prom-client's own
 * cluster support: each worker hands its registry over IPC when asked, and the primary, which
 * serves METRICS_PORT, answers a scrape with their aggregate. Tessera's metrics are summed
 * (counters, histogram buckets and the queue-length gauge all add up across processes); Node's
 * default metrics carry a `worker` label instead (tesseraMetrics.ts), since a sum or mean of event
 * loop lag or heap size would hide the one worker in trouble.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricsSource } from './metricsServer';

/** In a worker: answers the primary's requests for this registry (prom-client listens on the IPC channel). */
export function reportToPrimary(registry: Registry): void {
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries(registry);
}

/**
 * In the primary: each scrape asks every worker and sums their answers, or fails (the listener
 * answers 503) when one has gone or does not answer within prom-client's 5 s. Never a partial sum:
 * a counter missing one worker's share reads to Prometheus as a counter reset, and rate() would
 * show traffic that never happened. (A worker only goes when the service is stopping: the primary
 * stops every worker when one dies, server/workers.ts.)
 */
export class ClusterMetrics implements MetricsSource {
  private readonly aggregator = new AggregatorRegistry();

  constructor(private readonly workerCount: number) {}

  async scrape(): Promise<{ body: string; contentType: string }> {
    // prom-client skips a worker whose IPC channel is gone; counting them first keeps the sum whole.
    const connected = Object.values(cluster.workers ?? {}).filter((worker) => worker?.isConnected()).length;
    if (connected < this.workerCount) throw new Error(`${connected} of ${this.workerCount} workers can be asked for their metrics`);
    return { body: await this.aggregator.clusterMetrics(), contentType: this.aggregator.contentType };
  }
}
