/** Every route the service's app serves, read from its routers, with the access its first guard enforces. */
import type Router from '@koa/router';
import type Koa from 'koa';
import { accessOf, type Access } from '../../src/middleware/access';

export interface ServedRoute {
  method: string;
  /** As registered, with its prefix and `:param`s. */
  path: string;
  /** What the first middleware of its chain enforces; undefined when that is no guard. */
  access: Access | undefined;
}

/** HEAD goes with GET and is left out. */
export function routeTable(app: Koa): ServedRoute[] {
  const routers = app.middleware.flatMap((middleware) => {
    const router = (middleware as { router?: Router }).router;
    return router ? [router] : [];
  });
  return routers.flatMap((router) =>
    router.stack.flatMap((layer) =>
      (layer.methods.length === 0 ? ['USE'] : layer.methods.filter((method) => method !== 'HEAD')).map((method) => ({
        method,
        path: String(layer.path),
        access: accessOf(layer.stack[0]),
      })),
    ),
  );
}
