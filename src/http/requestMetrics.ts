/**
 * Every request is reported by route pattern (`/auth/sessions/:id`, never the raw path, so the
 * number of label values stays bounded whatever clients send) and status; the service's edge
 * times and reports it.
 */
import type { Context } from 'koa';

/**
 * Route label of a request no route answered: unknown paths (404s, scans), and requests that
 * failed before routing (the token check's 503 while Redis is down).
 */
export const UNMATCHED_ROUTE = '(none)';

export interface RequestObserver {
  /** A request was answered. `route`: the pattern it matched, or UNMATCHED_ROUTE. */
  requestFinished(method: string, route: string, status: number, seconds: number): void;
  /** A request was answered 5xx because of this error (a Redis fault's 503, an unexpected error's 500). */
  serverError?(error: unknown): void;
}

/** The route label of an answered request. */
export function routeLabel(ctx: Context): string {
  const route = ctx._matchedRoute;
  return typeof route === 'string' ? route : UNMATCHED_ROUTE;
}
