/**
 * The one place errors become answers: every failure is application/problem+json (RFC 9457)
 * with a stable `type`, except OAuth errors, which take RFC 6749's `{"error": ...}` shape.
 * Unknown errors are logged and answered 500 without internals. Server-rendered pages may get an
 * HTML page for a server-side failure instead, so a browser shows words, not JSON.
 */
import type { Context, Middleware } from 'koa';
import { MethodNotAllowedError, NotFoundError } from '../errors';
import { sendPage } from './pages/respond';
import { answerOf, Problems, type ProblemLogger } from './problemAnswer';
import { loggedPath } from './requestLog';

export { PROBLEM_CONTENT_TYPE, problemDocument, type ProblemLogger } from './problemAnswer';

/** The options of `problemDetails()`. */
export interface ProblemDetailsOptions {
  /** Gets 5xx answers (warn: a 503's cause) and unexpected errors (error). Default: one line each on the console, without error properties. */
  logger?: ProblemLogger;
  /** The body limit to name in a 413 when the body parser's error does not say. Bytes. */
  bodyLimitBytes?: number;
  /** Told of each error answered 5xx (for metrics). */
  onServerError?: (error: unknown) => void;
  /** Busy answers (503, password queue full) are logged once per this window, with their count. Milliseconds; default 10 s. */
  busyLogWindowMs?: number;
  /**
   * For requests of server-rendered pages: an HTML document for a server-side failure (a Redis
   * fault's 503), so a browser shows a page rather than JSON. Null keeps problem+json.
   */
  htmlFor?: (ctx: Context, status: number) => string | null;
}

/** Turns every error below it into problem+json; put it first, or right after a request logger. */
export function problemDetails(options: ProblemDetailsOptions = {}): Middleware {
  const answer = problemAnswerer(options);
  return async function problemDetails(ctx, next) {
    try {
      await next();
      unanswered(ctx);
    } catch (caught) {
      answer(ctx, caught);
    }
  };
}

/** Throws the 404 or 405 of a request that no route answered. */
export function unanswered(ctx: Context): void {
  if (ctx.body !== undefined && ctx.body !== null) return;
  if (ctx.status === 404) throw new NotFoundError(`No route for ${ctx.method} ${ctx.path}.`);
  if (ctx.status === 405) throw new MethodNotAllowedError(ctx.response.get('Allow'));
}

/** Answers an error thrown under a Koa request: what `problemDetails()` and the service's edge do in their catch. */
export function problemAnswerer(options: ProblemDetailsOptions): (ctx: Context, caught: unknown) => void {
  const problems = new Problems(options);
  return function answerError(ctx, caught) {
    const error = problems.errorFor(caught, loggedPath(ctx));
    const page = error.status >= 500 ? options.htmlFor?.(ctx, error.status) : null;
    if (page) {
      ctx.set(error.headers);
      return sendPage(ctx, error.status, page);
    }
    const answer = answerOf(error, ctx.path);
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
  };
}
