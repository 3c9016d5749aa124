/**
 * DPoP (RFC 9449) for any framework: names the URI a request's proof must be for (on the public
 * origin, or the original request a gateway forwards), runs the stateless checks and turns a
 * refusal into the answer its place calls for: a 401 challenge on use, the token endpoint's 400 at
 * login and refresh. What needs the session (its key, the jti seen once) is checked by the session
 * service, in the token's own Redis round trip. Koa, Express and Hono describe their request as a
 * ProofRequest (middleware/dpop.ts, adapters/*); nothing here knows a framework.
 */
import { resolveDpopOptions, type DpopOptions, type ResolvedDpopOptions } from '../dpopOptions';
import { DpopIssuanceError, InvalidDpopProofError, UseDpopNonceError } from '../errors';
import { DpopProofChecker, htuOf, type DpopProof, type ProofCheck } from '../tokens/dpopProof';

/** The request a proof must be for, as any framework has it. */
export interface ProofRequest {
  /** The method the client sent. */
  method: string;
  /** Path and query, as in the request line (a query, if any, is ignored). */
  uri: string;
  /** The origin the request came to: behind trusted proxies, the forwarded one. */
  origin: string;
  /**
   * True when `origin` is the one the client called even where a public origin is set: a
   * gateway's forwarded original request. Otherwise the public origin (dpop.publicOrigin) wins.
   */
  forwarded?: boolean;
  /** The values of the request's `DPoP` header, one per header sent; undefined when none was. */
  proofs: readonly string[] | undefined;
}

/**
 * The values of a `DPoP` header as a framework gives it: Node and fetch join repeated headers with
 * ", ", which no compact JWS contains, so a comma means more than one was sent.
 */
export function proofValues(header: string | readonly string[] | null | undefined): readonly string[] | undefined {
  if (header === undefined || header === null) return undefined;
  if (typeof header !== 'string') return header;
  return header.includes(',') ? header.split(',') : [header];
}

/**
 * Checks DPoP proofs for authenticate() and the login and refresh routes: one per app, so they
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
  async forUse(request: ProofRequest, token: string): Promise<DpopProof> {
    const check = await this.check(request, token);
    if (check.ok) return check.proof;
    if (check.error === 'use_dpop_nonce') throw new UseDpopNonceError(await this.nonce());
    throw new InvalidDpopProofError(check.detail);
  }

  /**
   * The proof of a login or refresh: null when none came and none is required. Throws
   * DpopIssuanceError (400) for a proof that fails, or for none where `required`.
   */
  async forIssuance(request: ProofRequest, required: boolean): Promise<DpopProof | null> {
    if (request.proofs === undefined) {
      if (required) throw new DpopIssuanceError('invalid_dpop_proof', 'This service binds sessions to a key: send a DPoP proof.');
      return null;
    }
    const check = await this.check(request, null);
    if (check.ok) return check.proof;
    if (check.error === 'use_dpop_nonce') throw new DpopIssuanceError('use_dpop_nonce', check.detail, await this.nonce());
    throw new DpopIssuanceError('invalid_dpop_proof', `The DPoP proof was refused: ${check.detail}.`);
  }

  /** The nonce to send in `DPoP-Nonce` so the client's next proof can carry it (RFC 9449 §8.2); null when nonces are off. */
  offeredNonce(): Promise<string> | null {
    return this.options.nonces ? this.options.nonces.current() : null;
  }

  private check(request: ProofRequest, token: string | null): Promise<ProofCheck> | ProofCheck {
    const origin = request.forwarded ? request.origin : (this.options.publicOrigin ?? request.origin);
    const htu = htuOf(origin, request.uri);
    if (htu === null) return { ok: false, error: 'invalid_dpop_proof', detail: 'the request URI cannot be proven' };
    return this.checker.check(request.proofs, { method: request.method, htu, accessToken: token });
  }

  private nonce(): Promise<string> {
    // Only called when the checker asked for a nonce, which it does only when nonces are on.
    return (this.options.nonces as NonNullable<ResolvedDpopOptions['nonces']>).current();
  }
}
