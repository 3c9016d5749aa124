/**
 * Limits of the HTTP server itself, so a slow or idle client cannot hold a connection open for
 * minutes (Node's own requestTimeout is 5 minutes) and no flood of connections exhausts the
 * process' file descriptors.
 */
import { createServer, type RequestListener, type Server } from 'node:http';

export interface HttpLimits {
  /** Time to receive a request's headers. Milliseconds; default 10000. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, headers and body. Milliseconds; default 30000. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. Milliseconds; default 5000 (below common load balancers' 60 s is fine: they reconnect). */
  keepAliveTimeoutMs: number;
  /** Open connections this instance accepts; more are dropped at once. Default 10000. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 10_000,
});

/**
 * Node enforces headersTimeout and requestTimeout only when it sweeps the connections, every
 * connectionsCheckingInterval (30 s by default), so a 10 s limit fired anywhere up to 40 s. A
 * sweep every tenth of the shorter limit (1 s by default) makes each fire within 10% of its time,
 * for the cost of one walk of the open connections a second.
 */
export function connectionsCheckingIntervalMs(limits: Pick<HttpLimits, 'headersTimeoutMs' | 'requestTimeoutMs'>): number {
  return Math.max(100, Math.round(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 10));
}

/** An HTTP server for `handler` under these limits (the defaults for any not given). */
export function createLimitedServer(handler: RequestListener, limits: Partial<HttpLimits> = {}): Server {
  const resolved = { ...DEFAULT_HTTP_LIMITS, ...limits };
  const server = createServer(
    {
      headersTimeout: resolved.headersTimeoutMs,
      requestTimeout: resolved.requestTimeoutMs,
      keepAliveTimeout: resolved.keepAliveTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingIntervalMs(resolved),
    },
    handler,
  );
  server.maxConnections = resolved.maxConnections;
  return server;
}
