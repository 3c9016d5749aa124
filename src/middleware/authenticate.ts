/**
 * Koa middleware that validates the request's session token and slides its expiry (one Redis
 * round trip), then puts the session and user on ctx.state. It never refuses a request itself:
 * requireAuth() does, so public routes can see a user when there is one. A token sent as
 * `Authorization: DPoP` comes with a proof of the key its session is bound to (RFC 9449), checked
 * here before the round trip; the round trip checks that the key is the session's and the proof new.
 */
import type { Context, Middleware } from 'koa';
import type { DpopOptions } from '../dpopOptions';
import type { SessionService } from '../sessions/sessionService';
import { readPresentedToken, type PresentedToken } from './bearerToken';
import { ownRequest } from './dpop';
import { DpopVerifier, type ProofRequest } from './dpopVerifier';
import { isoTime } from './isoTime';
import { checkPresentedToken } from './tokenCheck';
import './state';

/** The options of `authenticate()`. */
export interface AuthenticateOptions {
  /** Response header that tells the client when its session now expires (ISO 8601). Default "Session-Expires"; null for none. */
  expiresHeader?: string | null;
  /** Where else to find the token when no Authorization header is sent (the cookie transport). */
  fallbackToken?: (ctx: Context) => string | null;
  /** How DPoP proofs are checked: a verifier shared with the login routes, or its options. Default: the default options. */
  dpop?: DpopVerifier | DpopOptions;
  /** The request a DPoP proof must be for. Default: the request itself; a gateway's verify route passes forwardedRequest. */
  proofRequest?: (ctx: Context) => ProofRequest;
  /**
   * Compare each request's address (ctx.ip: set Koa's `proxy` behind a proxy) with the one its
   * session holds; on a change the session keeps the new one and `session.address-changed` is
   * emitted. Never a refusal. Useful when sessions are created with `ip: ctx.ip`. An IPv6 address
   * within the stored one's prefix (`ipv6SubnetBits`, default 64) is no change. Default false.
   */
  trackAddress?: boolean | { ipv6SubnetBits: number };
}

const NO_TOKEN: PresentedToken = { scheme: 'Bearer', token: '' };

/** The header that tells the client when its session now expires. */
export const DEFAULT_EXPIRES_HEADER = 'Session-Expires';

/**
 * Checks the request's bearer token (or `fallbackToken`'s) and slides its session, in one Redis
 * round trip; sets `ctx.state.session` and `ctx.state.user`, or null with `ctx.state.authFailure`.
 * Never refuses a request: `requireAuth()` and `requireRole()` do.
 */
export function authenticate(sessions: SessionService, options: AuthenticateOptions = {}): Middleware {
  const expiresHeader = options.expiresHeader === undefined ? DEFAULT_EXPIRES_HEADER : options.expiresHeader;
  const fallbackToken = options.fallbackToken;
  const trackAddress = options.trackAddress ?? false;
  const ipv6SubnetBits = typeof trackAddress === 'object' ? trackAddress.ipv6SubnetBits : undefined;
  const dpop = options.dpop instanceof DpopVerifier ? options.dpop : new DpopVerifier(options.dpop);
  const proofRequest = options.proofRequest ?? ownRequest;

  /** The Authorization header's token, else the fallback's (taken as Bearer); an unreadable header is an empty token, which no session has. */
  const presentedToken = (ctx: Context): PresentedToken | null => {
    const presented = readPresentedToken(ctx.get('Authorization'));
    if (presented === '') return NO_TOKEN;
    if (presented !== null) return presented;
    const fallback = fallbackToken?.(ctx) ?? null;
    return fallback === null ? null : { scheme: 'Bearer', token: fallback };
  };

  return async function authenticate(ctx, next) {
    const presented = presentedToken(ctx);
    ctx.state.session = null;
    ctx.state.user = null;
    ctx.state.authFailure = undefined;
    ctx.state.authError = undefined;
    if (presented === null) {
      ctx.state.authFailure = 'missing';
    } else {
      const check = await checkPresentedToken(sessions, dpop, presented, proofRequest, ctx);
      const { validation } = check;
      if (validation) {
        ctx.state.session = validation.session;
        ctx.state.user = validation.user;
        if (check.nonce) ctx.set('DPoP-Nonce', check.nonce);
        if (expiresHeader) ctx.set(expiresHeader, isoTime(validation.expiresAtMs));
        if (trackAddress) await sessions.addressSeen(validation.session, ctx.ip, ipv6SubnetBits);
      } else {
        ctx.state.authFailure = check.failure;
        if (check.failure === 'proof') ctx.state.authError = check.error;
      }
    }
    await next();
  };
}
