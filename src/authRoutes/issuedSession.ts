/**
 * The body of a login's or a refresh's answer, as the client SDK reads it: one builder for the
 * service's routes and the library's, so the two cannot drift apart.
 */
import type { RefreshCredential, SessionRecord } from '../sessions/types';

/** A new session's token, its expiries, its refresh token when remembered, and the user as the route describes it. */
export function issuedSessionBody<U>(token: string, session: SessionRecord, refresh: RefreshCredential | null, user: U) {
  return {
    token,
    // A session bound to a DPoP key (RFC 9449) is sent as `Authorization: DPoP` with a proof.
    tokenType: session.boundKey ? ('DPoP' as const) : ('Bearer' as const),
    expiresAt: session.expiresAt,
    absoluteExpiresAt: session.absoluteExpiresAt,
    ...(refresh ? { refreshToken: refresh.token, refreshExpiresAt: refresh.expiresAt } : {}),
    session,
    user,
  };
}
