/**
 * The one place errors become answers: every failure is application/problem+json (RFC 9457)
 * with a stable `type`, except OAuth errors, which take RFC 6749's `{"error": ...}` shape.
 * Unknown errors are logged and answered 500 without internals. Server-rendered pages may get an
 * HTML page for a server-side failure instead, so a browser shows words, not JSON.
 */
import type { Context, Middleware } from 'koa';
import { InternalError, MethodNotAllowedError, NotFoundError, OAuthError, ServerBusyError } from '../errors';
import { BusyLog, DEFAULT_BUSY_LOG_WINDOW_MS } from './busyLog';
import { sendPage } from './pages/respond';
import { CONSOLE_LOGGER, PROBLEM_CONTENT_TYPE, problemDocument, toTesseraError, type ProblemLogger } from './problemAnswer';
import { loggedPath } from './requestLog';

export { PROBLEM_CONTENT_TYPE, problemDocument, type ProblemLogger } from './problemAnswer';

/** The options of `problemDetails()`. */
export interface ProblemDetailsOptions {
  /** Gets 5xx answers (warn: a 503's cause) and unexpected errors (error). Default: one line each on the console, without error properties. */
  logger?: ProblemLogger;
  /** The body limit to name in a 413 when the body parser's error does not say. Bytes. */
  bodyLimitBytes?: number;
  /**
   * For requests of server-rendered pages: an HTML document for a server-side failure (a Redis
   * fault's 503), so a browser shows a page rather than JSON. Null keeps problem+json.
   */
  htmlFor?: (ctx: Context, status: number) => string | null;
  /** Told of each error answered 5xx (for metrics). */
  onServerError?: (error: unknown) => void;
  /** Busy answers (503, password queue full) are logged once per this window, with their count. Milliseconds; default 10 s. */
  busyLogWindowMs?: number;
}

/** Turns every error below it into problem+json; put it first, or right after a request logger. */
export function problemDetails(options: ProblemDetailsOptions = {}): Middleware {
  const logger = options.logger ?? CONSOLE_LOGGER;
  const busy = new BusyLog(
    (busyAnswers, windowSeconds) => logger.warn({ busyAnswers, windowSeconds }, 'Server busy: password work refused with 503'),
    options.busyLogWindowMs ?? DEFAULT_BUSY_LOG_WINDOW_MS,
  );
  return async function problemDetails(ctx, next) {
    try {
      await next();
      if (ctx.body === undefined || ctx.body === null) {
        if (ctx.status === 404) throw new NotFoundError(`No route for ${ctx.method} ${ctx.path}.`);
        if (ctx.status === 405) throw new MethodNotAllowedError(ctx.response.get('Allow'));
      }
    } catch (caught) {
      const error = toTesseraError(caught, options.bodyLimitBytes);
      if (error) {
        if (error instanceof ServerBusyError) {
          busy.record();
          options.onServerError?.(error);
        } else if (error.status >= 500) {
          logger.warn({ err: error.cause ?? error, path: loggedPath(ctx) }, error.title);
          options.onServerError?.(error);
        }
        ctx.set(error.headers);
        ctx.status = error.status;
        const page = error.status >= 500 ? options.htmlFor?.(ctx, error.status) : null;
        if (page) return sendPage(ctx, error.status, page);
        if (error instanceof OAuthError) {
          ctx.set('Cache-Control', 'no-store');
          ctx.body = { error: error.oauthError };
          return;
        }
        ctx.type = PROBLEM_CONTENT_TYPE;
        ctx.body = problemDocument(error, ctx.path);
      } else {
        logger.error({ err: caught, path: loggedPath(ctx) }, 'unhandled error');
        options.onServerError?.(caught);
        ctx.status = 500;
        const page = options.htmlFor?.(ctx, 500);
        if (page) return sendPage(ctx, 500, page);
        ctx.type = PROBLEM_CONTENT_TYPE;
        ctx.body = problemDocument(new InternalError(caught), ctx.path);
      }
    }
  };
}
