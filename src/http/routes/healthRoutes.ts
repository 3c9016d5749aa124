/** Liveness (the process runs) and readiness (Redis answers) for load balancers and orchestrators. */
import type Router from '@koa/router';
import { publicRoute } from '../../middleware/access';
import { guardedRouter } from '../guardedRouter';
import type { SessionService } from '../../sessions/sessionService';

/**
 * `readinessWarnings`: what else /readyz must check, answering what to warn of (a risk the
 * operator accepted) or throwing to answer 503. Default: nothing more.
 */
export function healthRoutes(sessions: SessionService, readinessWarnings: () => Promise<string[]> = async () => []): Router {
  const router = guardedRouter();
  const anyone = publicRoute();
  router.get('/healthz', anyone, (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', anyone, async (ctx) => {
    await sessions.ping();
    const warnings = await readinessWarnings();
    ctx.body = warnings.length > 0 ? { status: 'ready', warnings } : { status: 'ready' };
  });
  return router;
}
