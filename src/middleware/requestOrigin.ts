/** The origin a request was made to. */
import type { Context } from 'koa';

/** Scheme and host (X-Forwarded-* when the app trusts a proxy). Koa 3's ctx.origin is the Origin header instead. */
export function ownOrigin(ctx: Context): string {
  return `${ctx.protocol}://${ctx.host}`;
}
