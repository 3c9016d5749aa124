/**
 * The service's outer layer, one Koa frame for every request: CORS (a preflight is answered here
 * and goes no further), the client's address, the headers every answer carries, the error
 * answer, and once answered, the request's log line and metrics. Six middleware did this one
 * after another, each a frame of Koa's dispatch on every request: folded, a token check spends
 * about as long in Koa as through the bare middleware (docs/profile).
 */
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { clientAddress } from '../middleware/clientAddress';
import { corsHeaders } from '../middleware/cors';
import type { CorsOptions } from './cors';
import { problemAnswerer, unanswered, type ProblemDetailsOptions } from './problemDetails';
import { requestLog } from './requestLog';
import { routeLabel, type RequestObserver } from './requestMetrics';
import { securityHeaders } from './securityHeaders';

export interface EdgeOptions {
  logger: Logger;
  /** Pages on other origins that may call; null: no CORS headers. */
  cors: CorsOptions | null;
  /** Told of every answered request, and of the errors answered 5xx; null: none. */
  observer: RequestObserver | null;
  /** Send Strict-Transport-Security (the cookie transport is on with Secure cookies). */
  hsts: boolean;
  /** How errors are answered and logged (the service's logger is used). */
  problems: Omit<ProblemDetailsOptions, 'logger' | 'onServerError'>;
}

export function edge(options: EdgeOptions): Middleware {
  const { logger, observer } = options;
  const cors = options.cors ? corsHeaders(options.cors) : null;
  const settleAddress = clientAddress(logger);
  const headers = securityHeaders({ hsts: options.hsts });
  const logLine = requestLog(logger);
  const answerError = problemAnswerer({ ...options.problems, logger, onServerError: observer?.serverError?.bind(observer) });
  return async function edge(ctx, next) {
    if (cors?.(ctx)) return;
    settleAddress(ctx);
    const started = performance.now();
    try {
      ctx.set(headers);
      try {
        await next();
        unanswered(ctx);
      } catch (caught) {
        answerError(ctx, caught);
      }
    } finally {
      const ms = performance.now() - started;
      logLine(ctx, ms);
      observer?.requestFinished(ctx.method, routeLabel(ctx), ctx.status, ms / 1000);
    }
  };
}
