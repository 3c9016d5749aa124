/**
 * Request input: bodies parsed with @koa/bodyparser under a small size limit, bodies and query
 * strings checked against zod schemas, so every route gets either a typed value or a 400 that
 * names each bad field.
 */
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import type { z } from 'zod';
import { MalformedJsonError, UnsupportedMediaTypeError, ValidationError } from '../errors';
import { fieldProblems } from '../validation/zodIssues';

export function jsonBodyParser(limitBytes: number): Middleware {
  return bodyParser({
    enableTypes: ['json', 'form'],
    jsonLimit: limitBytes,
    formLimit: limitBytes,
    jsonStrict: true,
    // Only the parser's own SyntaxError is a malformed body; one thrown later (a stored value that
    // does not parse) is a fault of ours. Size and encoding errors are mapped with the rest (problemDetails.ts).
    onError(error) {
      throw error instanceof SyntaxError ? new MalformedJsonError() : error;
    },
  });
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
