/**
 * DPoP (RFC 9449) at the HTTP edge: reads a request's `DPoP` header, names the URI its proof must
 * be for (on the public origin, or the original request a gateway forwards), runs the stateless
 * checks and turns a refusal into the answer its place calls for: a 401 challenge on use, the token
 * endpoint's 400 at login and refresh. What needs the session (its key, the jti seen once) is
 * checked by the session service, in the token's own Redis round trip.
 */
import type { Context } from 'koa';
import { resolveDpopOptions, type DpopOptions, type ResolvedDpopOptions } from '../dpopOptions';
import { DpopIssuanceError, InvalidDpopProofError, UseDpopNonceError } from '../errors';
import { DpopProofChecker, htuOf, type DpopProof, type ProofCheck } from '../tokens/dpopProof';
import { ownOrigin } from './requestOrigin';

/** The request a proof must be for: its method and its path (a query, if any, is ignored). */
export interface ProofRequest {
  method: string;
  /** Path and query, as in the request line. */
  uri: string;
  /** The origin the client called; absent: the public origin (dpop.publicOrigin, else the request's own). */
  origin?: string;
}

/** The request itself. */
export function ownRequest(ctx: Context): ProofRequest {
  return { method: ctx.method, uri: ctx.url };
}

/**
 * For a gateway's sub-request (nginx `auth_request`, Caddy or Traefik `forward_auth`): the
 * original request the gateway names, `X-Original-Method`/`X-Original-URI` (nginx) or
 * `X-Forwarded-Method`/`X-Forwarded-Uri` (Caddy, Traefik), on the origin it forwards (believed
 * only from trusted proxies, as every X-Forwarded-* is); the sub-request's own otherwise.
 */
export function forwardedRequest(ctx: Context): ProofRequest {
  const uri = ctx.get('X-Original-URI') || ctx.get('X-Forwarded-Uri');
  if (!uri) return ownRequest(ctx);
  return { method: ctx.get('X-Original-Method') || ctx.get('X-Forwarded-Method') || ctx.method, uri, origin: ownOrigin(ctx) };
}

/**
 * Every DPoP header the request carries. Node joins repeated headers with ", ", which no compact
 * JWS contains, so this reads the one joined value (headersDistinct builds every header's list).
 */
function proofHeaders(ctx: Context): string[] | undefined {
  const value = ctx.req.headers.dpop;
  if (value === undefined || Array.isArray(value)) return value;
  return value.includes(',') ? value.split(',') : [value];
}

/**
 * Checks DPoP proofs for the middleware and the login and refresh routes: one per app, so they
 * share the options and the cache of keys.
 */
export class DpopVerifier {
  readonly options: ResolvedDpopOptions;
  private readonly checker: DpopProofChecker;

  constructor(options: DpopOptions = {}) {
    this.options = resolveDpopOptions(options);
    this.checker = new DpopProofChecker(this.options);
  }

  /**
   * The proof of a request that presents `token` as `Authorization: DPoP`. Throws
   * InvalidDpopProofError or UseDpopNonceError when it fails a check.
   */
  async forUse(ctx: Context, token: string, request: ProofRequest = ownRequest(ctx)): Promise<DpopProof> {
    const check = await this.check(ctx, request, token);
    if (check.ok) return check.proof;
    if (check.error === 'use_dpop_nonce') throw new UseDpopNonceError(await this.nonce());
    throw new InvalidDpopProofError(check.detail);
  }

  /**
   * The proof of a login or refresh: null when none came and none is required. Throws
   * DpopIssuanceError (400) for a proof that fails, or for none where `required`.
   */
  async forIssuance(ctx: Context, required: boolean): Promise<DpopProof | null> {
    if (ctx.req.headers.dpop === undefined) {
      if (required) throw new DpopIssuanceError('invalid_dpop_proof', 'This service binds sessions to a key: send a DPoP proof.');
      return null;
    }
    const check = await this.check(ctx, ownRequest(ctx), null);
    if (check.ok) return check.proof;
    if (check.error === 'use_dpop_nonce') throw new DpopIssuanceError('use_dpop_nonce', check.detail, await this.nonce());
    throw new DpopIssuanceError('invalid_dpop_proof', `The DPoP proof was refused: ${check.detail}.`);
  }

  /** Sends the current nonce, when nonces are on, so the client's next proof can carry it (RFC 9449 §8.2). */
  async offerNonce(ctx: Context): Promise<void> {
    if (this.options.nonces) ctx.set('DPoP-Nonce', await this.nonce());
  }

  private async check(ctx: Context, request: ProofRequest, token: string | null): Promise<ProofCheck> {
    const htu = htuOf(request.origin ?? this.options.publicOrigin ?? ownOrigin(ctx), request.uri);
    if (htu === null) return { ok: false, error: 'invalid_dpop_proof', detail: 'the request URI cannot be proven' };
    return this.checker.check(proofHeaders(ctx), { method: request.method, htu, accessToken: token });
  }

  private nonce(): Promise<string> {
    // Only called when the checker asked for a nonce, which it does only when nonces are on.
    return (this.options.nonces as NonNullable<ResolvedDpopOptions['nonces']>).current();
  }
}
