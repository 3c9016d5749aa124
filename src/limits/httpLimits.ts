/**
 * Limits of the HTTP server itself, so a slow or idle client cannot hold a connection open for
 * minutes (Node's own requestTimeout is 5 minutes) and no flood of connections exhausts the
 * process' file descriptors.
 */
import type { Server } from 'node:http';

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

export function applyHttpLimits(server: Server, limits: Partial<HttpLimits> = {}): void {
  const resolved = { ...DEFAULT_HTTP_LIMITS, ...limits };
  server.headersTimeout = resolved.headersTimeoutMs;
  server.requestTimeout = resolved.requestTimeoutMs;
  server.keepAliveTimeout = resolved.keepAliveTimeoutMs;
  server.maxConnections = resolved.maxConnections;
}
