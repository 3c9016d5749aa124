/**
 * The token checks a busy client or gateway makes on every request (GET /auth/session,
 * GET /auth/verify, POST /auth/introspect), served as soon as the answer's headers, log line and
 * error handling are in place: past the health and OpenAPI routers, the page refresh, and the
 * other routers with their 405 handling, which cost as much again as the check itself. Their
 * routes stay in their routers, guards included; this only reaches them sooner. Each one's chain
 * is looked up in its router once, when the app is built: a router matches every request against
 * each of its routes and composes the matched chain anew, and for a fixed method and path the
 * outcome never changes.
 */
import type Router from '@koa/router';
import compose from 'koa-compose';
import type { Middleware } from 'koa';

// biome-ignore lint/suspicious/noExplicitAny: the routers' context is the app's plus what they add.
type RouteMiddleware = Middleware<any, any>;

export function hotRoutes(routes: readonly string[], routers: readonly Router[], layers: readonly Middleware[]): Middleware {
  const served = new Map<string, Middleware>();
  for (const route of routes) {
    const [method, path] = route.split(' ');
    for (const spelling of method === 'GET' ? ['GET', 'HEAD'] : [method]) {
      const chain = routeChain(routers, spelling, path);
      if (chain) served.set(`${spelling} ${path}`, compose([...layers, ...chain]));
    }
  }
  const missing = routes.filter((route) => !served.has(route));
  if (missing.length > 0) throw new Error(`hot routes that no router serves: ${missing.join(', ')}`);
  return function hotRoutes(ctx, next) {
    const serve = served.get(`${ctx.method} ${ctx.path}`);
    return serve ? serve(ctx, next) : next();
  };
}

/** What the first router that serves `method path` runs for it, after setting the route facts it would set; null when none does. */
function routeChain(routers: readonly Router[], method: string, path: string): RouteMiddleware[] | null {
  for (const router of routers) {
    const match = router.match(path, method);
    if (!match.route) continue;
    const route = match.pathAndMethod.filter((layer) => layer.methods.length > 0).at(-1)!;
    if (match.pathAndMethod.some((layer) => layer.paramNames.length > 0)) throw new Error(`hot routes take no parameters: ${method} ${path}`);
    // What the router's own dispatch sets, and the request log and metrics read (the route's pattern).
    const named: Middleware = (ctx, next) => {
      ctx.matched = match.path;
      ctx.router = router;
      ctx.params = {};
      ctx.routerPath = route.path;
      ctx._matchedRoute = route.path;
      if (route.name) ctx._matchedRouteName = route.name;
      return next();
    };
    return [named, ...match.pathAndMethod.flatMap((layer) => layer.stack)];
  }
  return null;
}
