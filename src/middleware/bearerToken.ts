/**
 * Reads the token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1) or of an
 * `Authorization: DPoP <token>` header (RFC 9449 §7.1); no framework needed.
 */

const CREDENTIAL = /^(Bearer|DPoP) +([A-Za-z0-9._~+/-]+=*) *$/i;

/** A token and the scheme it came in: DPoP says the session is bound to a key whose proof comes along. */
export interface PresentedToken {
  scheme: 'Bearer' | 'DPoP';
  token: string;
}

/**
 * The token of an Authorization header's value: null when no header was sent (undefined, null or
 * empty), '' when one was sent but holds no Bearer or DPoP token.
 */
export function readPresentedToken(authorization: string | null | undefined): PresentedToken | '' | null {
  if (!authorization) return null;
  const match = CREDENTIAL.exec(authorization);
  if (!match) return '';
  return { scheme: match[1].length === 4 ? 'DPoP' : 'Bearer', token: match[2] };
}

/**
 * The token of an Authorization header's value: null when no header was sent (undefined, null or
 * empty), '' when one was sent but holds no bearer token.
 */
export function readBearerToken(authorization: string | null | undefined): string | null {
  const presented = readPresentedToken(authorization);
  if (presented === null || presented === '') return presented;
  return presented.scheme === 'Bearer' ? presented.token : '';
}
