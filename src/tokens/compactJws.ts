/**
 * The JWS pieces both proofs of possession share, a DPoP proof (RFC 9449) and a DBSC proof (W3C
 * Device Bound Session Credentials): the compact form split, its JSON segments decoded, the
 * header's public key checked for the algorithm it signs with, and the signature verified. What
 * each proof claims (typ, htm, htu, jti as a challenge) is its own checker's.
 */
import { verify, type KeyObject } from 'node:crypto';
import type { PublicJwk } from './jwkThumbprint';

/** A P-256 proof is about 700 bytes; the cap stops anything bigger before it is decoded (an RSA-4096 proof fits). */
export const MAX_PROOF_BYTES = 2048;

/** The longest `jti` kept: a client's text, remembered per proof. */
export const MAX_JTI_LENGTH = 256;

/** The signature algorithms a proof of possession may use; never `none` nor an HMAC. */
export type ProofAlgorithm = 'ES256' | 'EdDSA' | 'RS256';

/** The three base64url segments: header, payload, signature. */
const COMPACT_JWS = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;
/** A base64url 32-byte coordinate or key. */
const KEY_MEMBER = /^[A-Za-z0-9_-]{43}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** 65537 in base64url: the exponent every RSA key generator uses (RFC 7518 §6.3.1.2 allows others; Tessera does not). */
const RSA_EXPONENT = 'AQAB';
/** Members that only a private or symmetric JWK has (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** `jws` split into its encoded segments, or why it is not a compact JWS of acceptable size. */
export function splitCompactJws(jws: string): [header: string, payload: string, signature: string] | string {
  if (jws.length > MAX_PROOF_BYTES) return `the proof is longer than ${MAX_PROOF_BYTES} bytes`;
  const parts = COMPACT_JWS.exec(jws);
  return parts ? [parts[1], parts[2], parts[3]] : 'the proof is not a compact JWS';
}

/** A base64url segment's JSON object, or null when it is not one. */
export function decodeJsonSegment(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `value` as the public key `alg` signs with, with only its defining members; otherwise why not. */
export function publicJwkOf(value: unknown, alg: ProofAlgorithm): PublicJwk | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'jwk is missing';
  const jwk = value as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) return 'jwk must be a public key';
  if (alg === 'ES256') {
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') return 'ES256 needs an EC P-256 jwk';
    if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || !KEY_MEMBER.test(jwk.x) || !KEY_MEMBER.test(jwk.y)) return 'jwk is not a valid public key';
    return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  }
  if (alg === 'EdDSA') {
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') return 'EdDSA needs an OKP Ed25519 jwk';
    if (typeof jwk.x !== 'string' || !KEY_MEMBER.test(jwk.x)) return 'jwk is not a valid public key';
    return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
  }
  if (jwk.kty !== 'RSA') return 'RS256 needs an RSA jwk';
  if (typeof jwk.n !== 'string' || !BASE64URL.test(jwk.n) || typeof jwk.e !== 'string') return 'an RSA jwk needs n and e';
  // Any other exponent only makes each verification dearer: a large one costs about 80 times as much.
  if (jwk.e !== RSA_EXPONENT) return 'an RSA jwk must use the exponent 65537';
  return { kty: 'RSA', n: jwk.n, e: jwk.e };
}

/** Whether `signature` over `signingInput` verifies with `key` under `alg`; a malformed signature is false, never a throw. */
export function verifiesJws(alg: ProofAlgorithm, key: KeyObject, signingInput: string | Buffer, signature: Buffer): boolean {
  try {
    const input = typeof signingInput === 'string' ? Buffer.from(signingInput) : signingInput;
    // A JWS ES256 signature is r||s (IEEE P1363), not DER.
    if (alg === 'ES256') return signature.length === 64 && verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature);
    if (alg === 'EdDSA') return signature.length === 64 && verify(null, input, key, signature);
    return verify('sha256', input, key, signature);
  } catch {
    return false;
  }
}
