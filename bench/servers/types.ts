/**
 * What every bench server module exports: `start`, which builds the server, makes the credential
 * its load will present, and listens on loopback. The host process (host.ts) runs one of them.
 */
import type { Server } from 'node:http';
import type { RedisTarget } from '../../src';

/** The server modules in this folder, by file name. */
export const SERVER_MODULES = ['bare', 'jwt', 'koa-session', 'express-session', 'tessera', 'limit', 'service'] as const;
export type ServerModule = (typeof SERVER_MODULES)[number];

export interface ServerSetup {
  /** Where the server keeps sessions; null for servers that have none (bare, jwt). */
  redis: RedisTarget | null;
  /** Prefix of every key the server writes, so servers share one Redis without sharing data. */
  keyPrefix: string;
  /** bcrypt cost of the service's password hashing (service only). */
  bcryptCost: number;
  /** Accounts storm-0 .. storm-(n-1) the service registers for the login storm (service only). */
  stormAccounts: number;
  /** Port to listen on; 0 for any free one (node:cluster workers then share the primary's). */
  port: number;
  /** The service's throttles (RATE_LIMITS), on for the attack, off for the plain login storm (service only). Default off. */
  rateLimits?: boolean;
  /** The service's request log at "info", one line per request on stdout, as deployed (service only). Default off. */
  requestLog?: boolean;
}

export interface RunningServer {
  server: Server;
  /** Path of the authenticated route the load requests. */
  path: string;
  /** Request headers that authenticate the load (a bearer token, a session cookie, or none). */
  headers: Record<string, string>;
  /** Further credentials a measurement needs, by name (the service: a user holding a full set of sessions). */
  extraHeaders?: Record<string, Record<string, string>>;
  /** Stops listening and closes the server's Redis connection. */
  close(): Promise<void>;
}

export type StartServer = (setup: ServerSetup) => Promise<RunningServer>;

/** The service's user who logs in during the attack, and the one who holds a full set of sessions. */
export const REAL_USER_PREFIX = 'real-user-';
export const LISTER = 'lister';

/** Password of every account the service registers; the login storm presents it. */
export const STORM_PASSWORD = 'correct horse battery staple';
