/**
 * How an error may be logged: its class, code, message and stack (and those of its causes), never
 * its other properties, scrubbed of anything shaped like a bcrypt hash or one of Tessera's tokens.
 * ioredis puts the refused command on its errors, arguments included. Apart from logger.ts so the
 * library's error answering can use it without loading the service's logger (pino).
 */
import { DEVICE_TOKEN_PREFIX } from '../tokens/deviceToken';
import { REFRESH_TOKEN_PREFIX } from '../tokens/refreshToken';
import { TOKEN_PREFIX } from '../tokens/token';

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
