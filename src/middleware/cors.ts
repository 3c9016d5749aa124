/** CORS as Koa middleware: the service's CORS_ORIGINS, at the top of its stack. */
import type { Context, Middleware } from 'koa';
import { CorsPolicy, type CorsOptions } from '../http/cors';

/**
 * Put it first, so a preflight costs nothing else and every answer (errors included) carries the
 * headers. With no origin listed it adds nothing, not even Vary.
 */
export function cors(options: CorsOptions): Middleware {
  const apply = corsHeaders(options);
  return async function cors(ctx, next) {
    if (apply?.(ctx)) return;
    await next();
  };
}

/**
 * What `cors()` does before passing on, for a layer that does more: sets the CORS headers of a
 * request and answers it when it is a preflight (then returns true). Null when no origin is
 * listed: nothing to add, not even Vary.
 */
export function corsHeaders(options: CorsOptions): ((ctx: Context) => boolean) | null {
  const policy = new CorsPolicy(options);
  if (!policy.enabled) return null;
  return function corsHeaders(ctx) {
    // Caches must not give one origin's answer to another.
    ctx.vary('Origin');
    const decision = policy.decide(ctx.method, ctx.get('Origin') || undefined, ctx.get('Access-Control-Request-Method') || undefined);
    ctx.set(decision.headers);
    if (!decision.preflight) return false;
    ctx.status = 204;
    return true;
  };
}
