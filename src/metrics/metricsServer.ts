/**
 * The metrics listener: `GET /metrics` in Prometheus text format on a port of its own, so the
 * scrape endpoint can be firewalled apart from the API and never shares its routes or limits.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

/** What the listener serves: one process's registry (tesseraMetrics.ts) or the workers' aggregate (clusterMetrics.ts). */
export interface MetricsSource {
  scrape(): Promise<{ body: string; contentType: string }>;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** `logger` hears why a scrape answered 503 (a worker that did not answer, say), which the scraper cannot see. */
export async function startMetricsServer(metrics: MetricsSource, port: number, host: string, logger: Logger): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: the metrics are at /metrics.\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Use GET.\n');
      return;
    }
    metrics.scrape().then(
      ({ body, contentType }) => {
        response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        logger.warn({ err: error }, 'metrics could not be collected; answered 503');
        response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('Metrics could not be collected; try again.\n');
      },
    );
  });
  server.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
