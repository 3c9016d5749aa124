/**
 * The token checks a busy client or gateway makes on every request (GET /auth/session,
 * GET /auth/verify, POST /auth/introspect), served as soon as the answer's headers, log line and
 * error handling are in place: past the health and OpenAPI routers, the page refresh, and the
 * other routers with their 405 handling, which cost as much again as the check itself. Their
 * routes stay in their routers, guards included; this only reaches them sooner.
 */
import type Router from '@koa/router';
import compose from 'koa-compose';
import type { Middleware } from 'koa';

export function hotRoutes(routes: readonly string[], routers: readonly Router[], layers: readonly Middleware[]): Middleware {
  const served = new Set(routers.flatMap((router) => router.stack.flatMap((layer) => layer.methods.map((method) => `${method} ${String(layer.path)}`))));
  const missing = routes.filter((route) => !served.has(route));
  if (missing.length > 0) throw new Error(`hot routes that no router serves: ${missing.join(', ')}`);
  const hot = new Set(routes.flatMap((route) => (route.startsWith('GET ') ? [route, `HEAD ${route.slice(4)}`] : [route])));
  // Router dispatch adds ctx.params and ctx.router to the context type; the app's own layers run first.
  // biome-ignore lint/suspicious/noExplicitAny: the routers' context is the app's plus what they add.
  const serve = compose<any>([...layers, ...routers.map((router) => router.routes())]);
  return function hotRoutes(ctx, next) {
    return hot.has(`${ctx.method} ${ctx.path}`) ? serve(ctx, next) : next();
  };
}
