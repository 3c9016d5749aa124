/**
 * DPoP (RFC 9449) in Koa: the request a proof must be for (the request itself, or the original
 * request a gateway forwards), and the nonce a successful answer offers. The checks themselves are
 * the framework-free DpopVerifier's (dpopVerifier.ts), which Express and Hono share.
 */
import type { Context } from 'koa';
import { DpopVerifier, proofValues, type ProofRequest } from './dpopVerifier';
import { ownOrigin } from './requestOrigin';

export { DpopVerifier, type ProofRequest };

/** The request itself, with the URL the client sent (under koa-mount, ctx.url has lost the mount path). */
export function ownRequest(ctx: Context): ProofRequest {
  return { method: ctx.method, uri: ctx.originalUrl, origin: ownOrigin(ctx), proofs: proofValues(ctx.req.headers.dpop) };
}

/**
 * For a gateway's sub-request (nginx `auth_request`, Caddy or Traefik `forward_auth`): the
 * original request the gateway names, `X-Original-Method`/`X-Original-URI` (nginx) or
 * `X-Forwarded-Method`/`X-Forwarded-Uri` (Caddy, Traefik), on the origin it forwards (believed
 * only from trusted proxies, as every X-Forwarded-* is); the sub-request's own otherwise.
 */
export function forwardedRequest(ctx: Context): ProofRequest {
  // Only a trusted proxy's word (TRUST_PROXY): a caller that reaches the service directly must not choose what its proof is checked against.
  const uri = ctx.app.proxy ? ctx.get('X-Original-URI') || ctx.get('X-Forwarded-Uri') : '';
  if (!uri) return ownRequest(ctx);
  return {
    method: ctx.get('X-Original-Method') || ctx.get('X-Forwarded-Method') || ctx.method,
    uri,
    origin: ownOrigin(ctx),
    forwarded: true,
    proofs: proofValues(ctx.req.headers.dpop),
  };
}

/** Sends the current nonce, when nonces are on, so the client's next proof can carry it (RFC 9449 §8.2). */
export async function offerDpopNonce(ctx: Context, dpop: DpopVerifier): Promise<void> {
  const nonce = dpop.offeredNonce();
  if (nonce) ctx.set('DPoP-Nonce', await nonce);
}
