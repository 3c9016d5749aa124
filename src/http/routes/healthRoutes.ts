/** Liveness (the process runs) and readiness (Redis answers) for load balancers and orchestrators. */
import Router from '@koa/router';
import type { SessionService } from '../../sessions/sessionService';

export function healthRoutes(sessions: SessionService): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    await sessions.ping();
    ctx.body = { status: 'ready' };
  });
  return router;
}
