/**
 * A session being created: the secrets drawn for it (and for its refresh family when the login is
 * remembered), what the store keeps of them (hashes only), and the answer that hands each secret
 * to the caller once.
 */
import type { CreateResult, NewSession as StoredSession } from '../store/sessionStore';
import { formatRefreshToken, newFamilyId, newRefreshSecret } from '../tokens/refreshToken';
import { formatSessionId, newLocalId } from '../tokens/sessionId';
import { formatToken, hashSecret, newSecret } from '../tokens/token';
import type { CreatedSession, SessionMetadata } from './types';

export class NewSession {
  private readonly localId = newLocalId();
  private readonly secret = newSecret();
  private readonly family: { id: string; secret: string } | null;

  constructor(
    private readonly userId: string,
    private readonly tag: string,
    /** Already checked and trimmed (cleanMetadata). */
    private readonly metadata: SessionMetadata,
    remember: boolean,
    /** The thumbprint of the DPoP key to bind the session to; null for a bearer session. */
    private readonly boundKey: string | null = null,
  ) {
    this.family = remember ? { id: newFamilyId(), secret: newRefreshSecret() } : null;
  }

  /** The session's public id. */
  get id(): string {
    return formatSessionId({ tag: this.tag, localId: this.localId });
  }

  /** What the store writes: the secrets only as their hashes. */
  toStored(): StoredSession {
    const { userId, tag, localId, metadata, family } = this;
    return {
      userId,
      tag,
      localId,
      secretHash: hashSecret(this.secret),
      metadata,
      family: family ? { id: family.id, refreshHash: hashSecret(family.secret) } : undefined,
      boundKey: this.boundKey ?? undefined,
    };
  }

  /** The caller's answer once the store has created the session; the only place its secrets leave. */
  answer(created: CreateResult, newDevice: boolean): CreatedSession {
    const { tag, family, secret } = this;
    const { session } = created;
    return {
      token: formatToken(session.id, secret),
      refresh: family && session.rememberedUntil ? { token: formatRefreshToken(tag, family.id, family.secret), expiresAt: session.rememberedUntil } : null,
      session,
      endedSessionIds: created.endedLocalIds.map((id) => formatSessionId({ tag, localId: id })),
      newDevice,
    };
  }
}
