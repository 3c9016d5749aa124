/** CORS as Koa middleware: the service's CORS_ORIGINS, at the top of its stack. */
import type { Middleware } from 'koa';
import { CorsPolicy, type CorsOptions } from '../http/cors';

/**
 * Put it first, so a preflight costs nothing else and every answer (errors included) carries the
 * headers. With no origin listed it adds nothing, not even Vary.
 */
export function cors(options: CorsOptions): Middleware {
  const policy = new CorsPolicy(options);
  return async function cors(ctx, next) {
    if (!policy.enabled) return next();
    // Caches must not give one origin's answer to another.
    ctx.vary('Origin');
    const decision = policy.decide(ctx.method, ctx.get('Origin') || undefined, ctx.get('Access-Control-Request-Method') || undefined);
    ctx.set(decision.headers);
    if (decision.preflight) {
      ctx.status = 204;
      return;
    }
    await next();
  };
}
