/**
 * The HTTP service: the core (server/core.ts) plus the Koa app with its pages, listening on a
 * port, with a graceful close.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Logger } from 'pino';
import type { AccountService } from '../accounts/accountService';
import type { AdminService } from '../admin/adminService';
import { bootstrapAdmin } from '../admin/bootstrapAdmin';
import type { Config } from '../config/env';
import { createApp } from '../http/app';
import type { PagesParts } from '../http/pages';
import { createLogger, safeLogger } from '../logging/logger';
import { createLimitedServer } from '../limits/httpLimits';
import { SessionCookie } from '../middleware/sessionCookie';
import type { SessionService } from '../sessions/sessionService';
import { reportToPrimary } from '../metrics/clusterMetrics';
import { startMetricsServer, type MetricsServer } from '../metrics/metricsServer';
import { TesseraMetrics } from '../metrics/tesseraMetrics';
import { FormTokenStore } from '../store/formTokenStore';
import type { DurableWrites } from '../store/durableWrites';
import type { IdempotencyStore } from '../store/idempotencyStore';
import type { RedisClient } from '../store/scripts';
import { SignedInFormTokens } from '../tokens/signedInFormToken';
import { SignedOutFormTokens } from '../tokens/signedOutFormToken';
import { DeviceChallenges } from '../tokens/deviceChallenge';
import { DpopNonces } from '../tokens/dpopNonce';
import { redisMemory } from '../store/redisMemory';
import { buildCore, type Core } from './core';
import { EvictionCheck } from './evictionCheck';

export interface RunningService {
  /** The Koa app, for tests that inspect its routes. */
  app: Koa;
  server: Server;
  port: number;
  /** The port GET /metrics answers on, or null when METRICS_PORT is unset or the primary serves it (a cluster worker). */
  metricsPort: number | null;
  /** The service's metrics, or null when METRICS_PORT is unset. */
  metrics: TesseraMetrics | null;
  sessions: SessionService;
  accounts: AccountService;
  admin: AdminService;
  idempotency: IdempotencyStore;
  /** Stops accepting, lets in-flight requests finish, then closes the worker pool and the confirming connection (not Redis: its owner does). */
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Set when this process is a node:cluster worker: its metrics go to the primary, which serves METRICS_PORT for all workers. */
  clusterWorkerId?: number;
}

export async function startService(
  config: Config,
  redis: RedisClient,
  givenLogger: Logger = createLogger(config.LOG_LEVEL),
  options: ServiceOptions = {},
): Promise<RunningService> {
  const logger = safeLogger(givenLogger);
  const eviction = new EvictionCheck(redis, config.ALLOW_REDIS_EVICTION);
  // First, so a refusal leaves nothing running behind it.
  await eviction.atStart(logger);
  const workerId = options.clusterWorkerId;
  const metrics = config.METRICS_PORT === undefined ? null : new TesseraMetrics({ workerId });
  if (metrics && workerId !== undefined) reportToPrimary(metrics.registry);
  const core = buildCore(config, redis, logger, metrics ?? {});
  const onRedisError = () => metrics?.redisError('connection');
  if (metrics) {
    metrics.watchPasswordQueue(core.passwordQueueSize);
    metrics.watchRedisMemory(() => redisMemory(redis));
    core.durable.on('outcome', (outcome) => metrics.durableWrite(outcome));
    // A Cluster reports a node's connection faults as 'node error'.
    redis.on('error', onRedisError).on('node error', onRedisError);
  }
  const { sessions, accounts, admin, audit, idempotency } = core;
  // Ready before the first login of an unknown name, which must not take longer than any other.
  let closing = false;
  // A stop during start-up ends the hashing workers under it: that is no fault.
  core.prepareLogin().catch((error: unknown) => closing || logger.error({ err: error }, 'could not prepare the dummy password hash'));
  reportDurability(core.durable, logger);
  if (config.ADMIN_USERNAME && config.ADMIN_PASSWORD) {
    await bootstrapAdmin(accounts, audit, config.ADMIN_USERNAME, config.ADMIN_PASSWORD, logger);
  }
  const pages = config.COOKIE_TRANSPORT ? await pagesParts(config, redis, core, logger) : null;
  const app = createApp({
    sessions,
    accounts,
    admin,
    idempotency,
    adminReauthAfterSeconds: config.ADMIN_REAUTH_AFTER,
    ipv6SubnetBits: config.IPV6_SUBNET,
    logger,
    trustedProxyHops: config.TRUST_PROXY,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    pages,
    introspectionClient: { clientId: config.INTROSPECT_CLIENT_ID, credential: config.INTROSPECT_CREDENTIAL ?? null },
    requestObserver: metrics,
    exampleApp: config.EXAMPLE_APP,
    dpop: {
      mode: config.DPOP,
      proofWindowSeconds: config.DPOP_PROOF_WINDOW,
      publicOrigin: config.PUBLIC_ORIGIN ?? null,
      nonces: config.DPOP_NONCE ? await dpopNonces(core, config.DPOP_PROOF_WINDOW, logger) : null,
    },
    readinessWarnings: () => eviction.warnings(),
    // Cookies cross origins only with the cookie transport on; bearer tokens need no credentials.
    cors: config.CORS_ORIGINS ? { origins: config.CORS_ORIGINS, credentials: config.COOKIE_TRANSPORT } : null,
  });
  const server = createLimitedServer(app.callback(), {
    headersTimeoutMs: config.HEADERS_TIMEOUT * 1000,
    requestTimeoutMs: config.REQUEST_TIMEOUT * 1000,
    maxConnections: config.MAX_CONNECTIONS,
  });
  server.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  let metricsServer: MetricsServer | null = null;
  if (metrics && config.METRICS_PORT !== undefined && workerId === undefined) {
    metricsServer = await startMetricsServer(metrics, config.METRICS_PORT, config.HOST, logger).catch(async (error: unknown) => {
      await new Promise((resolve) => server.close(resolve));
      await core.close();
      throw error;
    });
  }
  return {
    app,
    server,
    port: (server.address() as AddressInfo).port,
    metricsPort: metricsServer?.port ?? null,
    metrics,
    sessions,
    accounts,
    admin,
    idempotency,
    async close() {
      closing = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await metricsServer?.close();
      redis.off('error', onRedisError).off('node error', onRedisError);
      await core.close();
    },
  };
}

/** Says at start how security writes are confirmed, and warns where that cannot hold. */
function reportDurability(durable: DurableWrites, logger: Logger): void {
  const { replicas } = durable.options;
  durable
    .detect()
    .then((plan) => {
      logger.info({ replicas, waitAof: plan.waitAof, connectedReplicas: plan.connectedReplicas }, 'security writes confirmed by Redis');
      if (replicas === 0 && plan.connectedReplicas > 0) {
        logger.warn('Redis has replicas but DURABLE_REPLICAS is 0: a fail-over can undo an acknowledged logout; set DURABLE_REPLICAS=1');
      } else if (replicas > plan.connectedReplicas) {
        logger.warn(
          { replicas, connectedReplicas: plan.connectedReplicas },
          'fewer replicas connected than DURABLE_REPLICAS: security writes answer 503 until they are',
        );
      }
    })
    // Redis not reachable yet: the first security write looks again.
    .catch(() => undefined);
}

/**
 * Server nonces, signed with the key every instance shares (FORM_SECRET, or the random one kept in
 * Redis) under a label of their own. A nonce lasts one proof window, and is accepted for one more.
 */
async function dpopNonces(core: Core, windowSeconds: number, logger: Logger): Promise<DpopNonces> {
  const nonces = new DpopNonces(() => core.sharedSigningKey(), windowSeconds * 1000);
  await nonces.prime().catch((error: unknown) => logger.warn({ err: error }, 'could not read the signing key of DPoP nonces yet'));
  return nonces;
}

async function pagesParts(config: Config, redis: RedisClient, core: Core, logger: Logger): Promise<PagesParts> {
  const formKey = () => core.sharedSigningKey();
  // Fetched once now, so no page view ever writes it; if Redis is not there yet, at the first view.
  await formKey().catch((error: unknown) => logger.warn({ err: error }, 'could not read the form signing key yet'));
  return {
    cookie: new SessionCookie({
      secure: config.COOKIE_SECURE,
      deviceBinding: config.DBSC
        ? core.sessions.deviceBinding({ challenges: new DeviceChallenges(formKey), windowSeconds: config.DBSC_WINDOW, throttle: core.throttle })
        : null,
    }),
    formTokens: new FormTokenStore(redis, core.keys),
    signedInFormTokens: new SignedInFormTokens(formKey, config.FORM_TOKEN_TTL * 1000),
    signedOutFormTokens: new SignedOutFormTokens(formKey, config.FORM_TOKEN_TTL * 1000),
    signupEnabled: config.SIGNUP,
    publicOrigin: config.PUBLIC_ORIGIN,
    // The cookie crosses to these origins (CORS with credentials), so their pages may write with the CSRF token.
    trustedOrigins: config.CORS_ORIGINS ?? [],
    adminReauthAfterSeconds: config.ADMIN_REAUTH_AFTER,
  };
}
