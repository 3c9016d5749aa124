/**
 * Request input: bodies parsed with @koa/bodyparser under a small size limit, bodies and query
 * strings checked against zod schemas, so every route gets either a typed value or a 400 that
 * names each bad field.
 */
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware, Next } from 'koa';
import type { z } from 'zod';
import { MalformedJsonError, UnsupportedMediaTypeError, ValidationError } from '../errors';
import { fieldProblems } from '../validation/zodIssues';

/** The methods whose bodies are parsed. */
const PARSED_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Parses JSON and form bodies. A body that fails to decode (gzip, deflate, brotli: whatever zlib
 * says, in whatever words) is the client's fault, a 400: any failure before the routes run that
 * the parser did not classify itself (413, 415, malformed JSON; see problemDetails.ts) is one.
 */
export function jsonBodyParser(limitBytes: number): Middleware {
  const parse = bodyParser({
    enableTypes: ['json', 'form'],
    parsedMethods: [...PARSED_METHODS],
    jsonLimit: limitBytes,
    formLimit: limitBytes,
    jsonStrict: true,
  });
  async function parseInto(ctx: Context, next: Next): Promise<void> {
    let parsed = false;
    try {
      await parse(ctx, () => {
        parsed = true;
        return next();
      });
    } catch (error) {
      if (parsed) throw error;
      // Only the parser's own SyntaxError is a malformed body; one thrown later (a stored value that
      // does not parse) is a fault of ours.
      if (error instanceof SyntaxError) throw new MalformedJsonError();
      if (typeof (error as { status?: unknown } | null)?.status === 'number') throw error;
      const message = ctx.get('Content-Encoding') ? 'could not be decoded as its Content-Encoding says' : 'could not be read';
      throw new ValidationError([{ field: 'body', message }]);
    }
  }
  return function parseBody(ctx, next) {
    // A token check (a GET) passes here on every request: it skips the parser's frames, and an async frame of its own.
    return PARSED_METHODS.has(ctx.method) ? parseInto(ctx, next) : next();
  };
}

export function readBody<S extends z.ZodType>(ctx: Context, schema: S): z.infer<S> {
  const hasBody = Number(ctx.get('Content-Length') || 0) > 0 || ctx.get('Transfer-Encoding') !== '';
  if (hasBody && !ctx.is('application/json')) throw new UnsupportedMediaTypeError();
  return validate(schema, ctx.request.body ?? {});
}

export function readQuery<S extends z.ZodType>(ctx: Context, schema: S): z.infer<S> {
  return validate(schema, ctx.query);
}

/** The typed value, or a ValidationError naming each bad field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(fieldProblems(result.error.issues));
}
