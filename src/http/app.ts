/** The service's Koa app: middleware order and routes, built from ready-made parts. */
import Koa from 'koa';
import type { Logger } from 'pino';
import type { AccountService } from '../accounts/accountService';
import type { AdminService } from '../admin/adminService';
import { authenticate } from '../middleware/authenticate';
import type { SessionService } from '../sessions/sessionService';
import { jsonBodyParser } from './requestInput';
import { problemDetails } from './problemDetails';
import { requestLog } from './requestLog';
import { adminRoutes } from './routes/adminRoutes';
import { authRoutes } from './routes/authRoutes';
import { healthRoutes } from './routes/healthRoutes';

export interface AppParts {
  sessions: SessionService;
  accounts: AccountService;
  admin: AdminService;
  logger: Logger;
  /** Trust X-Forwarded-* from a load balancer in front (for the client ip of sessions). */
  trustProxy: boolean;
  /** Largest request body. Bytes. */
  bodyLimitBytes: number;
}

export function createApp(parts: AppParts): Koa {
  const app = new Koa({ proxy: parts.trustProxy });
  // Errors are answered by problemDetails; Koa's default handler would only log them twice.
  app.silent = true;
  const health = healthRoutes(parts.sessions);
  const auth = authRoutes(parts.sessions, parts.accounts);
  const admin = adminRoutes(parts.admin);
  app.use(requestLog(parts.logger));
  app.use(problemDetails(parts.logger, { bodyLimitBytes: parts.bodyLimitBytes }));
  app.use(health.routes()).use(health.allowedMethods());
  app.use(jsonBodyParser(parts.bodyLimitBytes));
  app.use(authenticate(parts.sessions));
  app.use(auth.routes()).use(auth.allowedMethods());
  app.use(admin.routes()).use(admin.allowedMethods());
  return app;
}
