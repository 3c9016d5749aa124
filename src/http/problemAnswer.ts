/**
 * Errors as problem+json answers (RFC 9457), framework-free: the Koa error handler and the
 * Express and Hono adapters all answer through here, so every framework logs and answers alike.
 */
import {
  InternalError,
  InvalidDpopProofError,
  InvalidTokenError,
  MalformedJsonError,
  OAuthError,
  PayloadTooLargeError,
  ProofRefusedError,
  SessionEndedError,
  TesseraError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors';
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

/**
 * The answer to any error thrown under a request at `path`, logged as the Koa handler logs: a
 * Tessera 5xx as a warning (its cause: the store is down), anything else as an error, answered
 * 500 without internals. The log gets the path with its long segments scrubbed.
 */
export function answerProblem(caught: unknown, path: string, logger: ProblemLogger = CONSOLE_LOGGER, bodyLimitBytes?: number): ProblemAnswer {
  let error = toTesseraError(caught, bodyLimitBytes);
  // A token typed into a path must not reach the log.
  if (error === null) {
    logger.error({ err: caught, path: scrubbedPath(path) }, 'unhandled error');
    error = new InternalError(caught);
  } else if (error.status >= 500) {
    logger.warn({ err: error.cause ?? error, path: scrubbedPath(path) }, error.title);
  }
  // The token endpoint's errors keep OAuth's shape (RFC 6749 §5.2, RFC 9449 §8), as the Koa handler answers them.
  if (error instanceof OAuthError) {
    return {
      status: error.status,
      headers: { ...error.headers, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
      body: JSON.stringify({ error: error.oauthError }),
    };
  }
  return { status: error.status, headers: { ...error.headers, 'Content-Type': PROBLEM_CONTENT_TYPE }, body: JSON.stringify(problemDocument(error, path)) };
}

/**
 * Only name, message and stack: an error's other properties can hold what must never be logged
 * (an ioredis error carries its command's arguments).
 */
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
