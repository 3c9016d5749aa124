/** The service's Koa app: middleware order and routes, built from ready-made parts. */
import Koa from 'koa';
import type { Logger } from 'pino';
import type { AccountService } from '../accounts/accountService';
import type { AdminService } from '../admin/adminService';
import type { DpopOptions } from '../dpopOptions';
import { authenticate } from '../middleware/authenticate';
import { DpopVerifier, forwardedRequest, ownRequest } from '../middleware/dpop';
import type { SessionService } from '../sessions/sessionService';
import type { CorsOptions } from './cors';
import type { IdempotencyStore } from '../store/idempotencyStore';
import { pageErrorDocument, pageLayer, type PagesParts } from './pages';
import type { IntrospectionClientOptions } from './introspectionClient';
import { jsonBodyParser } from './requestInput';
import { edge } from './edge';
import type { RequestObserver } from './requestMetrics';
import { adminRoutes } from './routes/adminRoutes';
import { DEFAULT_ADMIN_REAUTH_AFTER_SECONDS } from '../admin/adminService';
import { authRoutes } from './routes/authRoutes';
import { deviceSessionRoutes } from './routes/deviceSessionRoutes';
import { exampleRoutes } from './routes/exampleRoutes';
import { gatewayRoutes, VERIFY_PATH } from './routes/gatewayRoutes';
import { hotRoutes } from './hotRoutes';
import { healthRoutes } from './routes/healthRoutes';
import { homeRoutes } from './routes/homeRoutes';
import { openapiRoutes } from './routes/openapiRoutes';

export interface AppParts {
  sessions: SessionService;
  accounts: AccountService;
  admin: AdminService;
  /** Where Idempotency-Key answers are kept. */
  idempotency: IdempotencyStore;
  /** IPv6 addresses within one prefix of this many bits are one network for the address-change signal (IPV6_SUBNET); default 64. */
  ipv6SubnetBits?: number;
  /** How old a sign-in an admin write accepts (RFC 9470 step-up). Seconds; 0 for any; default 900. */
  adminReauthAfterSeconds?: number;
  logger: Logger;
  /**
   * Proxies in front whose X-Forwarded-* headers are believed (for the client ip of sessions):
   * 0 believes none; n takes the client address from the n-th X-Forwarded-For entry from the right.
   */
  trustedProxyHops: number;
  /** Largest request body. Bytes. */
  bodyLimitBytes: number;
  /** The cookie transport and the pages that use it; null serves the bearer-header API only. */
  pages?: PagesParts | null;
  /**
   * Serve the client SDK's browser example under /example/ (EXAMPLE_APP=on; development only),
   * with the SDK's ES modules from dist/client-esm or the given folder.
   */
  exampleApp?: boolean | { sdkDir: string };
  /** The resource server that may call POST /auth/introspect; null: admin sessions only. */
  introspectionClient?: IntrospectionClientOptions | null;
  /** Told of every answered request (the service's metrics); null: none. */
  requestObserver?: RequestObserver | null;
  /** DPoP-bound sessions (RFC 9449): how proofs are checked. Default: the default options. */
  dpop?: DpopOptions;
  /** Pages on other origins that may call (CORS_ORIGINS); null: no CORS headers. */
  cors?: CorsOptions | null;
  /** More for /readyz to check (see healthRoutes); default: Redis answers. */
  readinessWarnings?: () => Promise<string[]>;
}

export type { PagesParts } from './pages';

/** Served first, through the layers a token check needs (see hotRoutes.ts). */
const HOT_ROUTES = ['GET /auth/session', 'GET /auth/verify', 'POST /auth/introspect'];

export function createApp(parts: AppParts): Koa {
  // maxIpsCount keeps only the entries the trusted proxies appended: a client's own X-Forwarded-For
  // value stays to their left and is never taken for the address.
  const app = new Koa({ proxy: parts.trustedProxyHops > 0, maxIpsCount: parts.trustedProxyHops });
  // Errors are answered by the edge; Koa's default handler would only log them twice.
  app.silent = true;
  const pages = parts.pages
    ? { cookie: parts.pages.cookie, ...pageLayer({ sessions: parts.sessions, accounts: parts.accounts, admin: parts.admin, ...parts.pages }) }
    : null;
  const health = healthRoutes(parts.sessions, parts.readinessWarnings);
  const openapi = openapiRoutes();
  const dpop = new DpopVerifier(parts.dpop);
  const auth = authRoutes(parts.sessions, parts.accounts, dpop, parts.idempotency, pages?.cookie ?? null);
  const gateway = gatewayRoutes(parts.sessions, parts.introspectionClient ?? { clientId: '', credential: null });
  const admin = adminRoutes(parts.admin, parts.idempotency, parts.adminReauthAfterSeconds ?? DEFAULT_ADMIN_REAUTH_AFTER_SECONDS);
  // First: a preflight is answered before anything else runs, and every answer, errors too, carries the headers.
  app.use(
    edge({
      logger: parts.logger,
      cors: parts.cors ?? null,
      observer: parts.requestObserver ?? null,
      hsts: Boolean(pages?.cookie.secure),
      problems: { bodyLimitBytes: parts.bodyLimitBytes, htmlFor: pages ? pageErrorDocument : undefined },
    }),
  );
  const bodyParser = jsonBodyParser(parts.bodyLimitBytes);
  const trackAddress = parts.ipv6SubnetBits === undefined ? true : { ipv6SubnetBits: parts.ipv6SubnetBits };
  const authenticated = authenticate(parts.sessions, {
    fallbackToken: pages?.cookie.read,
    dpop,
    // A gateway's check is of the request it forwards, not of the sub-request itself.
    proofRequest: (ctx) => (ctx.path === VERIFY_PATH ? forwardedRequest(ctx) : ownRequest(ctx)),
    trackAddress,
  });
  const slide = pages?.cookie.slide();
  app.use(hotRoutes(HOT_ROUTES, [auth, gateway], [bodyParser, authenticated, ...(pages && slide ? [slide, pages.csrf] : [])]));
  app.use(health.routes()).use(health.allowedMethods());
  app.use(openapi.routes()).use(openapi.allowedMethods());
  const home = pages ? null : homeRoutes();
  if (home) app.use(home.routes()).use(home.allowedMethods());
  app.use(bodyParser);
  app.use(authenticated);
  if (pages && slide) {
    app.use(slide);
    if (pages.cookie.deviceBinding) app.use(deviceSessionRoutes(pages.cookie, pages.cookie.deviceBinding).routes());
    app.use(pages.refresh);
    app.use(pages.csrf);
  }
  app.use(auth.routes()).use(auth.allowedMethods());
  app.use(gateway.routes()).use(gateway.allowedMethods());
  if (pages) app.use(pages.router.routes()).use(pages.router.allowedMethods());
  app.use(admin.routes()).use(admin.allowedMethods());
  if (parts.exampleApp) app.use(exampleRoutes(parts.exampleApp === true ? undefined : parts.exampleApp.sdkDir).routes());
  return app;
}
