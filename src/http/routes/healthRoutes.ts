/** Liveness (the process runs) and readiness (Redis answers) for load balancers and orchestrators. */
import type Router from '@koa/router';
import { publicRoute } from '../../middleware/access';
import { guardedRouter } from '../guardedRouter';
import type { SessionService } from '../../sessions/sessionService';

export function healthRoutes(sessions: SessionService): Router {
  const router = guardedRouter();
  const anyone = publicRoute();
  router.get('/healthz', anyone, (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', anyone, async (ctx) => {
    await sessions.ping();
    ctx.body = { status: 'ready' };
  });
  return router;
}
