/**
 * The check behind every framework's authenticate(), framework-free: a token presented as Bearer
 * is validated as is; one presented as `Authorization: DPoP` first has its proof checked (RFC
 * 9449), then the round trip checks that the proof's key is the session's and the proof new. A
 * refused proof is an answer for the guards to give (a DPoP challenge), never an end of the
 * session: a thief's failed tries must not log its owner out.
 */
import { InvalidDpopProofError, ProofRefusedError, UseDpopNonceError } from '../errors';
import type { SessionService, Validation } from '../sessions/sessionService';
import { parseToken } from '../tokens/token';
import type { PresentedToken } from './bearerToken';
import type { DpopVerifier, ProofRequest } from './dpopVerifier';

/** A live session (with the DPoP nonce to offer, when nonces are on), or why there is none. */
export type TokenCheck =
  | { validation: Validation; nonce: string | null }
  | { validation: null; failure: 'invalid' }
  | { validation: null; failure: 'proof'; error: InvalidDpopProofError | UseDpopNonceError };

/**
 * Checks a presented token and slides its session, in one Redis round trip; `proofRequest(request)`
 * describes the request for a DPoP token's proof (and is not called for a Bearer one). Throws what the store throws (Redis unavailable).
 */
export async function checkPresentedToken<Request>(
  sessions: SessionService,
  dpop: DpopVerifier,
  presented: PresentedToken,
  proofRequest: (request: Request) => ProofRequest,
  request: Request,
): Promise<TokenCheck> {
  const { token } = presented;
  try {
    // A token that cannot be one of ours costs no signature check: validate() refuses it without Redis.
    if (presented.scheme === 'Bearer' || parseToken(token) === null) {
      const validation = await sessions.validate(token);
      return validation ? { validation, nonce: null } : { validation: null, failure: 'invalid' };
    }
    const validation = await sessions.validate(token, { proof: await dpop.forUse(proofRequest(request), token) });
    if (!validation) return { validation: null, failure: 'invalid' };
    // Nonces off (the usual case): no await, so the bound check pays no extra turn of the microtask queue.
    const nonce = dpop.offeredNonce();
    return { validation, nonce: nonce && (await nonce) };
  } catch (error) {
    if (error instanceof ProofRefusedError) return { validation: null, failure: 'proof', error: new InvalidDpopProofError(error.reason) };
    if (error instanceof InvalidDpopProofError || error instanceof UseDpopNonceError) return { validation: null, failure: 'proof', error };
    throw error;
  }
}
