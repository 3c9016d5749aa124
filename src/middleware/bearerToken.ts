/** Reads the token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1). */
import type { Context } from 'koa';

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/** The token, null when no Authorization header was sent, or '' when one was sent but is no bearer token. */
export function readBearerToken(ctx: Context): string | null {
  const header = ctx.get('Authorization');
  if (!header) return null;
  return BEARER.exec(header)?.[1] ?? '';
}
