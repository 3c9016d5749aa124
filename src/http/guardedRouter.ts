/**
 * The service's routers. Paths match case-sensitively and strictly (no trailing slash), so a route
 * has one spelling; and every route must start its chain with a guard (requireAuth(),
 * requireRole(), publicRoute(), ...). A route without one, or a prefix `use()`, throws when the
 * app is built: a guard placed apart from its routes is how another spelling of a path once
 * reached an admin handler without passing it.
 */
import Router, { type RouterOptions } from '@koa/router';
import { accessOf } from '../middleware/access';

export function guardedRouter(options: Pick<RouterOptions, 'prefix'> = {}): Router {
  const router = new Router({ ...options, sensitive: true, strict: true });
  const register = router.register.bind(router);
  router.register = (path, methods, middleware, more) => {
    const [first] = Array.isArray(middleware) ? middleware : [middleware];
    if (methods.length === 0) throw new Error(`A guarded router takes no use() (${String(path)}): name each route's guard in its own chain.`);
    if (!accessOf(first)) {
      throw new Error(
        `${methods.join(',').toUpperCase()} ${String(path)} names no access: start its chain with requireAuth(), requireRole(), publicRoute() or another guard.`,
      );
    }
    return register(path, methods, middleware, more);
  };
  return router;
}
