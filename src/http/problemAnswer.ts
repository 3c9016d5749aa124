/**
 * Errors as problem+json answers (RFC 9457), framework-free: the Koa error handler, the service's
 * edge and the Express and Hono adapters all map, log and answer through here, so every
 * framework logs and answers alike.
 */
import {
  InternalError,
  InvalidDpopProofError,
  InvalidTokenError,
  MalformedJsonError,
  OAuthError,
  PayloadTooLargeError,
  ProofRefusedError,
  ServerBusyError,
  SessionEndedError,
  TesseraError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors';
import { serializeError, type SafeError } from '../logging/errorSerializer';
import { BusyLog, DEFAULT_BUSY_LOG_WINDOW_MS } from './busyLog';
import { scrubbedPath } from './requestLog';

/** The media type of a problem document (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The RFC 9457 document of a Tessera error, for any framework: send it with its status, its headers and PROBLEM_CONTENT_TYPE. */
export function problemDocument(error: TesseraError, instance: string): Record<string, unknown> {
  return {
    type: error.type,
    title: error.title,
    status: error.status,
    ...(error.expose ? { detail: error.message } : {}),
    instance,
    ...error.extras,
  };
}

/**
 * Where failures are logged; pino fits. Log records carry the error and the request path, except
 * the count of busy answers (see busyLog.ts), which carries how many and over how many seconds.
 * The error is given as a copy holding its class, code, message, stack and causes only, never as thrown.
 */
export interface ProblemLogger {
  /** A 5xx answer whose cause is known (a 503: Redis away), or the count of busy answers. */
  warn(record: { err?: unknown; path?: string; busyAnswers?: number; windowSeconds?: number }, message: string): void;
  /** An unexpected error, answered 500. */
  error(record: { err: unknown; path: string }, message: string): void;
}

/** A problem answer to send as is. */
export interface ProblemAnswer {
  status: number;
  /** The error's own headers (a challenge, Retry-After) and Content-Type. */
  headers: Record<string, string>;
  /** The problem document as JSON text. */
  body: string;
}

/** How failures are logged and counted; every field optional. */
export interface ProblemOptions {
  /** Gets 5xx answers (warn: a 503's cause) and unexpected errors (error). Default: one line each on the console. */
  logger?: ProblemLogger;
  /** The body limit to name in a 413 when the body parser's error does not say. Bytes. */
  bodyLimitBytes?: number;
  /** Told of each error answered 5xx (for metrics). */
  onServerError?: (error: unknown) => void;
  /** Busy answers (503, password queue full) are logged once per this window, with their count. Milliseconds; 0 logs each; default 10 s. */
  busyLogWindowMs?: number;
}

/** Causes and refusals followed when an error is copied for a log, so a cyclic chain cannot loop. */
const MAX_LOGGED_DEPTH = 5;

/**
 * The error as a logger may see it: a copy holding only its class, code, message and stack (and
 * its causes', and an EXECABORT's refusals), the message and stack scrubbed of anything shaped
 * like a token or a hash (serializeError). An error's other properties can hold what must never
 * be logged: ioredis puts the command it answered on its errors, arguments included (token
 * hashes, password hashes, addresses). The copy is an Error that names the original's class, so
 * any logger's own error serializer (pino's, Tessera's) reports it as it would the original.
 */
function loggableError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return serializeError(error);
  const safe = serializeError(error) as SafeError;
  const cause = error.cause !== undefined && depth < MAX_LOGGED_DEPTH ? { cause: loggableError(error.cause, depth + 1) } : undefined;
  const copy: Error & { code?: string | number; previousErrors?: unknown[] } = new Error(safe.message, cause);
  Object.defineProperties(copy, { constructor: { value: error.constructor }, name: { value: error.name }, stack: { value: safe.stack } });
  if (safe.code !== undefined) copy.code = safe.code;
  const { previousErrors } = error as { previousErrors?: unknown };
  if (Array.isArray(previousErrors) && depth < MAX_LOGGED_DEPTH) {
    copy.previousErrors = previousErrors.slice(0, MAX_LOGGED_DEPTH).map((refusal) => loggableError(refusal, depth + 1));
  }
  return copy;
}

/** Maps errors onto Tessera's and logs those that deserve it; one per error handler, so busy answers are counted across requests. */
export class Problems {
  private readonly logger: ProblemLogger;
  private readonly busy: BusyLog;

  constructor(private readonly options: ProblemOptions = {}) {
    const logger = options.logger ?? CONSOLE_LOGGER;
    this.logger = logger;
    this.busy = new BusyLog(
      (busyAnswers, windowSeconds) => logger.warn({ busyAnswers, windowSeconds }, 'Server busy: password work refused with 503'),
      options.busyLogWindowMs ?? DEFAULT_BUSY_LOG_WINDOW_MS,
    );
  }

  /**
   * The Tessera error to answer for anything thrown under a request, logged as it deserves: a
   * busy answer counted, another 5xx as a warning with its cause (the store is down), anything
   * unknown as an error, answered 500 without internals. `loggedPath` must already be fit for a
   * log (a route pattern or a scrubbed path). The logger gets the error as loggableError() copies it.
   */
  errorFor(caught: unknown, loggedPath: string): TesseraError {
    const error = toTesseraError(caught, this.options.bodyLimitBytes);
    if (error === null) {
      this.logger.error({ err: loggableError(caught), path: loggedPath }, 'unhandled error');
      this.options.onServerError?.(caught);
      return new InternalError(caught);
    }
    if (error instanceof ServerBusyError) {
      this.busy.record();
      this.options.onServerError?.(error);
    } else if (error.status >= 500) {
      this.logger.warn({ err: loggableError(error.cause ?? error), path: loggedPath }, error.title);
      this.options.onServerError?.(error);
    }
    return error;
  }

  /** The answer to anything thrown under a request at `path`, logged with the path's long segments scrubbed (a token typed into a path must not reach the log). */
  answer(caught: unknown, path: string): ProblemAnswer {
    return answerOf(this.errorFor(caught, scrubbedPath(path)), path);
  }
}

/** The answer of a Tessera error: problem+json, or RFC 6749's `{"error": ...}` for an OAuth error. */
export function answerOf(error: TesseraError, instance: string): ProblemAnswer {
  if (error instanceof OAuthError) {
    return {
      status: error.status,
      headers: { ...error.headers, 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ error: error.oauthError }),
    };
  }
  return { status: error.status, headers: { ...error.headers, 'Content-Type': PROBLEM_CONTENT_TYPE }, body: JSON.stringify(problemDocument(error, instance)) };
}

/**
 * The answer to any error thrown under a request at `path`, logged as the Koa handler logs (see
 * `Problems`), except that each busy answer is logged as it comes. An error handler answering
 * many requests should keep one `Problems` instead, so a flood of busy answers is logged as a count.
 */
export function answerProblem(caught: unknown, path: string, logger: ProblemLogger = CONSOLE_LOGGER, bodyLimitBytes?: number): ProblemAnswer {
  return new Problems({ logger, bodyLimitBytes, busyLogWindowMs: 0 }).answer(caught, path);
}

/** One line on the console per failure: the error's stack (or name and message), nothing else. */
export const CONSOLE_LOGGER: ProblemLogger = {
  warn: (record, message) =>
    console.warn(
      record.busyAnswers === undefined
        ? `${message} (${record.path}): ${describe(record.err)}`
        : `${message}: ${record.busyAnswers} in ${record.windowSeconds} s`,
    ),
  error: ({ err, path }, message) => console.error(`${message} (${path}): ${describe(err)}`),
};

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}

/**
 * Ours as they are, the core's SessionEndedError as the bearer challenge its token earns, and the
 * errors of body parsers (co-body and Express's body-parser share raw-body's) mapped onto ours;
 * null for the rest. A bare SyntaxError is no body's: it is the app's, a 500.
 */
export function toTesseraError(error: unknown, bodyLimitBytes: number | undefined): TesseraError | null {
  if (error instanceof SessionEndedError) return new InvalidTokenError();
  // The core's refusal of a bound session's request, with the DPoP challenge (RFC 9449 §7.1).
  if (error instanceof ProofRefusedError) return new InvalidDpopProofError(error.reason);
  if (error instanceof TesseraError) return error;
  const { status, type, limit } = (error ?? {}) as { status?: number; type?: string; limit?: number };
  if (status === 413 || type === 'entity.too.large') return new PayloadTooLargeError(bodyLimitBytes ?? limit);
  if (status === 415 || type === 'encoding.unsupported' || type === 'charset.unsupported') return new UnsupportedMediaTypeError();
  if (type === 'entity.parse.failed') return new MalformedJsonError();
  if (status === 400) return new ValidationError([{ field: 'body', message: 'could not be read' }]);
  return null;
}
