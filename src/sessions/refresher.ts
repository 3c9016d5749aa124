/**
 * Spending a refresh token (RFC 9700 §4.14.2 rotation with reuse detection): new secrets are
 * drawn and the new pair sealed under the presented secret before the one script runs, so the
 * script can store what a retry within the grace window needs to get the very same answer.
 */
import { DpopIssuanceError, RefreshTokenReusedError } from '../errors';
import type { MintedSession, RefreshStore } from '../store/refreshStore';
import { formatRefreshToken, newRefreshSecret, parseRefreshToken } from '../tokens/refreshToken';
import { openPair, sealPair } from '../tokens/sealedPair';
import { formatSessionId, newLocalId } from '../tokens/sessionId';
import { formatToken, hashSecret, newSecret } from '../tokens/token';
import type { RefreshedSession, SessionMetadata } from './types';

export class Refresher {
  constructor(private readonly store: RefreshStore) {}

  /**
   * The new pair, or the first answer given again to one retry within the grace window
   * (`replayed`); null when the token is not live or its one retry was answered already. Throws RefreshTokenReusedError (the family
   * has ended), or DpopIssuanceError when `provenKey` (the DPoP key the request proved) is not the
   * family's (nothing changed). A banned user's token is not live: a ban ends the user's families.
   */
  async spend(
    refreshToken: string,
    metadata: Pick<SessionMetadata, 'ip' | 'userAgent'>,
    provenKey: string | null,
  ): Promise<{ refreshed: RefreshedSession; endedSessionId: string | null } | null> {
    const parsed = parseRefreshToken(refreshToken);
    if (!parsed) return null;
    const sessionSecret = newSecret();
    const refreshSecret = newRefreshSecret();
    const outcome = await this.store.rotate({
      tag: parsed.tag,
      familyId: parsed.familyId,
      presentedHash: hashSecret(parsed.secret),
      newLocalId: newLocalId(),
      newSessionHash: hashSecret(sessionSecret),
      newRefreshHash: hashSecret(refreshSecret),
      sealedPair: sealPair(parsed.secret, sessionSecret, refreshSecret).toString('base64'),
      ip: metadata.ip ?? '',
      userAgent: metadata.userAgent ?? '',
      provenKey: provenKey ?? '',
    });
    switch (outcome.kind) {
      case 'unknown':
        return null;
      case 'unproven':
        throw new DpopIssuanceError(
          'invalid_dpop_proof',
          provenKey ? 'This login is bound to another key, or to none.' : 'This login is bound to a key: send a DPoP proof by it.',
        );
      case 'reused':
        throw new RefreshTokenReusedError(outcome.userId, outcome.endedLocalId ? formatSessionId({ tag: parsed.tag, localId: outcome.endedLocalId }) : null);
      case 'rotated':
        return {
          refreshed: refreshed(parsed.tag, parsed.familyId, outcome.minted, sessionSecret, refreshSecret, false),
          endedSessionId: outcome.endedLocalId ? formatSessionId({ tag: parsed.tag, localId: outcome.endedLocalId }) : null,
        };
      case 'replayed': {
        const pair = openPair(parsed.secret, Buffer.from(outcome.sealedPair, 'base64'));
        return (
          pair && { refreshed: refreshed(parsed.tag, parsed.familyId, outcome.minted, pair.sessionSecret, pair.refreshSecret, true), endedSessionId: null }
        );
      }
    }
  }
}

function refreshed(tag: string, familyId: string, minted: MintedSession, sessionSecret: string, refreshSecret: string, replayed: boolean): RefreshedSession {
  const { session, user } = minted;
  // A minted session belongs to a live family, so it is always remembered.
  return {
    token: formatToken(session.id, sessionSecret),
    refresh: { token: formatRefreshToken(tag, familyId, refreshSecret), expiresAt: session.rememberedUntil! },
    session,
    user,
    replayed,
  };
}
