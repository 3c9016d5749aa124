/** Reads the token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1); no framework needed. */

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/**
 * The token in an Authorization header's value: null when no header was sent (undefined, null or
 * empty), '' when one was sent but holds no bearer token.
 */
export function readBearerToken(authorization: string | null | undefined): string | null {
  if (!authorization) return null;
  return BEARER.exec(authorization)?.[1] ?? '';
}
