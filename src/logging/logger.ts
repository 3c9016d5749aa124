/**
 * The one way Tessera logs. Every logger the service is given goes through `safeLogger`, so each
 * log path shares one error serializer and one redaction list: an error is reduced to its class,
 * code, message and stack (and those of its causes), never its other properties. That matters
 * because ioredis puts the refused command on its errors, arguments included: password and
 * secret hashes, addresses, user agents, whole scripts. Messages and stacks are scrubbed of
 * anything shaped like a bcrypt hash, a session token, a refresh token or a device token as well.
 */
import pino, { type Logger, type LoggerOptions } from 'pino';
import { DEVICE_TOKEN_PREFIX } from '../tokens/deviceToken';
import { REFRESH_TOKEN_PREFIX } from '../tokens/refreshToken';
import { TOKEN_PREFIX } from '../tokens/token';

/** Log fields that may never be written, wherever they sit in a line (belt and braces: nothing logs them today). */
const REDACTED_PATHS = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'secret',
  'passwordHash',
  'authorization',
  'cookie',
  'refreshToken',
  'client_secret',
  'credential',
  'deviceToken',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.secret',
  '*.passwordHash',
  '*.authorization',
  '*.cookie',
  '*.refreshToken',
  '*.client_secret',
  '*.credential',
  '*.deviceToken',
  'req.headers',
  'res.headers',
];

const SECRET_SHAPES: [RegExp, string][] = [
  [/\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}/g, '[bcrypt hash]'],
  [new RegExp(`${TOKEN_PREFIX}[0-9A-Za-z]{20,}`, 'g'), '[token]'],
  [new RegExp(`${REFRESH_TOKEN_PREFIX}[0-9A-Za-z]{20,}`, 'g'), '[refresh token]'],
  [new RegExp(`${DEVICE_TOKEN_PREFIX.replace('.', '\\.')}[0-9A-Za-z_.-]{20,}`, 'g'), '[device token]'],
];

/** At most this many causes are followed, so a cyclic cause chain cannot loop. */
const MAX_CAUSES = 5;

export interface SafeError {
  type: string;
  message: string;
  code?: string | number;
  stack?: string;
  cause?: SafeError;
  /** The refusals behind an EXECABORT. */
  refusals?: string[];
}

function scrub(text: string): string {
  return SECRET_SHAPES.reduce((result, [shape, replacement]) => result.replace(shape, replacement), text);
}

/** An error as it may be logged: class, code, message and stack of it and its causes, nothing else. */
export function serializeError(value: unknown, depth = 0): SafeError | unknown {
  if (!(value instanceof Error)) return typeof value === 'string' ? scrub(value) : value === undefined ? undefined : '[not an error]';
  const { code } = value as { code?: unknown };
  const safe: SafeError = { type: value.constructor?.name || value.name, message: scrub(value.message) };
  if (typeof code === 'string' || typeof code === 'number') safe.code = code;
  if (value.stack) safe.stack = scrub(value.stack);
  if (value.cause !== undefined && depth < MAX_CAUSES) safe.cause = serializeError(value.cause, depth + 1) as SafeError;
  // A discarded MULTI (EXECABORT) says why only in the replies it carries: their messages, not their commands.
  const { previousErrors } = value as { previousErrors?: unknown };
  if (Array.isArray(previousErrors)) {
    safe.refusals = previousErrors.slice(0, MAX_CAUSES).map((error) => (error instanceof Error ? scrub(error.message) : '[not an error]'));
  }
  return safe;
}

const SAFE_OPTIONS = {
  serializers: { err: serializeError, error: serializeError, cause: serializeError },
  redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
} satisfies Pick<LoggerOptions, 'serializers' | 'redact'>;

/** A new logger with the safe serializers and redaction. */
export function createLogger(level: string): Logger {
  return pino({ level, ...SAFE_OPTIONS });
}

/** Any logger (an embedding app's own, say) made safe: a child with the same serializers and redaction. */
export function safeLogger(logger: Logger): Logger {
  return logger.child({}, SAFE_OPTIONS);
}
