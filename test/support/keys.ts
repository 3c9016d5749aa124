/** Redis keys in tests come from the key space, as in the code under test; none is spelled by hand. */
import { KeySpace } from '../../src/store/keys';
import { parseRefreshToken } from '../../src/tokens/refreshToken';
import { parseSessionId } from '../../src/tokens/sessionId';

export { KeySpace };

/** The keys of the user who owns the session with this public id. */
export function userKeysOf(prefix: string, sessionId: string) {
  return new KeySpace(prefix).forUser(partsOf(sessionId).tag);
}

/** The Redis key of the session with this public id. */
export function sessionKeyOf(prefix: string, sessionId: string): string {
  const { tag, localId } = partsOf(sessionId);
  return new KeySpace(prefix).session(tag, localId);
}

/** The sorted set of the spent refresh tokens of the family this refresh token belongs to. */
export function spentRefreshesOf(prefix: string, refreshToken: string): string {
  const parsed = parseRefreshToken(refreshToken);
  if (!parsed) throw new Error('not a refresh token');
  return new KeySpace(prefix).forUser(parsed.tag).spentRefreshes(parsed.familyId);
}

/** The key that records a DPoP proof's jti as used by the session with this public id. */
export function usedProofOf(prefix: string, sessionId: string, jti: string): string {
  const { tag, localId } = partsOf(sessionId);
  return new KeySpace(prefix).forUser(tag).usedProof(localId, jti);
}

function partsOf(sessionId: string) {
  const parts = parseSessionId(sessionId);
  if (!parts) throw new Error(`not a session id: ${sessionId}`);
  return parts;
}
