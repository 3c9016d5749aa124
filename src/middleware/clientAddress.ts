/**
 * Settles `ctx.ip` once, first in the stack, so sessions, the audit trail and the throttles all
 * see one spelling of the client's address (limits/ipAddress.ts). Behind trusted proxies Koa takes
 * it from X-Forwarded-For; an entry there that is not an IP address is a proxy misconfigured or
 * a header passed through unchecked, so it is not believed: the peer's address stands instead.
 */
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { canonicalIp } from '../limits/ipAddress';

/** Longest part of a refused X-Forwarded-For entry that is logged. */
const LOGGED_ENTRY_CHARS = 64;

/** Sets `ctx.request.ip` to the client's canonical address; the service's edge calls it first. */
export function clientAddress(logger: Logger): (ctx: Context) => void {
  // Once per process: a misconfigured proxy sends the same junk with every request.
  let reported = false;
  return function clientAddress(ctx) {
    const peer = canonicalIp(ctx.socket.remoteAddress ?? '') ?? '';
    const forwarded = ctx.app.proxy ? ctx.request.ips[0] : undefined;
    let address = peer;
    if (forwarded !== undefined && forwarded !== '') {
      const believed = canonicalIp(forwarded);
      if (believed !== null) address = believed;
      else if (!reported) {
        reported = true;
        logger.warn(
          { forwardedFor: forwarded.slice(0, LOGGED_ENTRY_CHARS), peer },
          'X-Forwarded-For from a trusted proxy holds an entry that is not an IP address; the peer address is used instead (logged once)',
        );
      }
    }
    ctx.request.ip = address;
  };
}
