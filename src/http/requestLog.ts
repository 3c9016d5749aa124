/** One log line per request: method, path, status, time. Never headers or bodies (tokens, passwords). */
import type { Middleware } from 'koa';
import type { Logger } from 'pino';

export function requestLog(logger: Logger): Middleware {
  return async function requestLog(ctx, next) {
    const started = performance.now();
    try {
      await next();
    } finally {
      logger.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) },
        'request',
      );
    }
  };
}
