/**
 * The RFC 7638 thumbprint of a public JWK: base64url(SHA-256) of its required members in
 * lexicographic order, without spaces. It names a DPoP key (RFC 9449 §6.1, `jkt`) in 43 characters.
 */
import { hash } from 'node:crypto';

/** The public keys Tessera accepts as DPoP keys: P-256 (ES256) and Ed25519 (EdDSA). */
export type PublicJwk = { kty: 'EC'; crv: 'P-256'; x: string; y: string } | { kty: 'OKP'; crv: 'Ed25519'; x: string } | { kty: 'RSA'; n: string; e: string };

/** The members are known base64url text, so the canonical JSON is built directly rather than by sorting and stringifying. */
export function jwkThumbprint(jwk: PublicJwk): string {
  const canonical =
    jwk.kty === 'EC'
      ? `{"crv":"${jwk.crv}","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`
      : jwk.kty === 'OKP'
        ? `{"crv":"${jwk.crv}","kty":"OKP","x":"${jwk.x}"}`
        : `{"e":"${jwk.e}","kty":"RSA","n":"${jwk.n}"}`;
  return hash('sha256', canonical, 'base64url');
}
