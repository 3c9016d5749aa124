/**
 * The one way Tessera logs. Every logger the service is given goes through `safeLogger`, so each
 * log path shares one error serializer and one redaction list: an error is reduced to its class,
 * code, message and stack (and those of its causes), never its other properties. That matters
 * because ioredis puts the refused command on its errors, arguments included: password and
 * secret hashes, addresses, user agents, whole scripts. Messages and stacks are scrubbed of
 * anything shaped like a bcrypt hash, a session token, a refresh token or a device token as well.
 */
import pino, { type Logger, type LoggerOptions } from 'pino';
import { serializeError } from './errorSerializer';

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
