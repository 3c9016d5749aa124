/**
 * Request bodies: parsed with @koa/bodyparser under a small size limit, then checked against a
 * zod schema, so every route gets either a typed value or a 400 naming the fields.
 */
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import type { z } from 'zod';
import { UnsupportedMediaTypeError, ValidationError } from '../errors';

export function jsonBodyParser(limitBytes: number): Middleware {
  return bodyParser({ enableTypes: ['json', 'form'], jsonLimit: limitBytes, formLimit: limitBytes, jsonStrict: true });
}

export function readBody<S extends z.ZodType>(ctx: Context, schema: S): z.infer<S> {
  const hasBody = Number(ctx.get('Content-Length') || 0) > 0 || ctx.get('Transfer-Encoding') !== '';
  if (hasBody && !ctx.is('application/json')) throw new UnsupportedMediaTypeError();
  const result = schema.safeParse(ctx.request.body ?? {});
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'is not an accepted field' }))
          : [{ field: issue.path.join('.'), message: issue.message }],
      ),
    );
  }
  return result.data;
}
