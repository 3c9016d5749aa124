/**
 * Checks a DBSC proof: the `dbsc+jwt` a browser sends in `Secure-Session-Response`, signed by the
 * key it keeps for one session (W3C Device Bound Session Credentials, Editor's Draft of February
 * 2026, §"DBSC Proof JWT Syntax"). At registration the header carries the new public key (`jwk`);
 * at a refresh it carries none and the key kept for the session verifies it. Either way the
 * payload's `jti` is the server's challenge, which the caller checks. Reading a proof costs no
 * signature, so the caller can check the challenge (an HMAC) before it pays for one; the import of
 * a kept key is the caller's to cache.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeJsonSegment, MAX_JTI_LENGTH, publicJwkOf, splitCompactJws, verifiesJws } from './compactJws';
import type { PublicJwk } from './jwkThumbprint';

/** The algorithms Tessera offers, in its order of preference; `none` (an unbound session) never. */
export const DEVICE_PROOF_ALGORITHMS = ['ES256', 'RS256'] as const;
export type DeviceProofAlgorithm = (typeof DEVICE_PROOF_ALGORITHMS)[number];

/** A browser's public key, as kept beside its session: only the members that define it. */
export type DeviceJwk = Extract<PublicJwk, { kty: 'EC' | 'RSA' }>;

/** RSA keys below 2048 bits are refused (RFC 7518 §3.3); above 4096 the proof would not fit the size cap. */
const MIN_RSA_BITS = 2048;

const refuse = (detail: string): { ok: false; detail: string } => ({ ok: false, detail });

/** A proof read but not verified yet: what it claims, and what the signature covers. */
export interface ReadDeviceProof {
  alg: DeviceProofAlgorithm;
  /** The key the header names (a registration), checked to be a public P-256 or RSA key; null at a refresh. */
  jwk: DeviceJwk | null;
  jti: string;
  signingInput: Buffer;
  signature: Buffer;
}

/** A public key ready to verify with, and the JWK it came from. */
export interface DeviceKey {
  jwk: DeviceJwk;
  publicKey: KeyObject;
}

/**
 * Reads `jws` without verifying it: size, shape, `typ`, `alg`, no `crit`, the header's key when
 * `withKey` (a registration), and the `jti`. No signature is checked yet.
 */
export function readDeviceProof(jws: string, withKey: boolean): { ok: true; proof: ReadDeviceProof } | { ok: false; detail: string } {
  const parts = splitCompactJws(jws);
  if (typeof parts === 'string') return refuse(parts);
  const header = decodeJsonSegment(parts[0]);
  if (!header) return refuse('the proof header is not a JSON object');
  if (header.typ !== 'dbsc+jwt') return refuse('typ must be dbsc+jwt');
  const alg = header.alg as DeviceProofAlgorithm;
  if (!DEVICE_PROOF_ALGORITHMS.includes(alg)) return refuse(`alg must be one of ${DEVICE_PROOF_ALGORITHMS.join(', ')}`);
  if (header.crit !== undefined) return refuse('no crit extension is understood');
  const jwk = withKey ? (publicJwkOf(header.jwk, alg) as DeviceJwk | string) : null;
  if (typeof jwk === 'string') return refuse(jwk);
  const claims = decodeJsonSegment(parts[1]);
  if (!claims) return refuse('the proof payload is not a JSON object');
  if (typeof claims.jti !== 'string' || claims.jti.length === 0 || claims.jti.length > MAX_JTI_LENGTH) return refuse('jti is missing');
  return {
    ok: true,
    proof: { alg, jwk, jti: claims.jti, signingInput: Buffer.from(`${parts[0]}.${parts[1]}`), signature: Buffer.from(parts[2], 'base64url') },
  };
}

/** Imports a public key (the costly part of a check that is not the signature), or says why it is none. */
export function importDeviceKey(jwk: DeviceJwk): DeviceKey | string {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return 'jwk is not a valid public key';
  }
  if (jwk.kty === 'RSA' && (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) return `an RSA key needs at least ${MIN_RSA_BITS} bits`;
  return { jwk, publicKey };
}

/** Verifies a read proof's signature with `key`: null when it holds, else why not. */
export function verifyDeviceProof(proof: ReadDeviceProof, key: DeviceKey): string | null {
  if (algorithmOf(key.jwk) !== proof.alg) return `alg ${proof.alg} does not fit the ${key.jwk.kty} key`;
  return verifiesJws(proof.alg, key.publicKey, proof.signingInput, proof.signature) ? null : 'the signature does not verify';
}

/** The algorithm a kept key signs with. */
export function algorithmOf(jwk: DeviceJwk): DeviceProofAlgorithm {
  return jwk.kty === 'EC' ? 'ES256' : 'RS256';
}

/** A kept key read back (JSON written from a DeviceJwk), or null when it is not one. */
export function parseDeviceJwk(json: string): DeviceJwk | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  const alg = (value as { kty?: unknown }).kty === 'RSA' ? 'RS256' : 'ES256';
  const jwk = publicJwkOf(value, alg) as DeviceJwk | string;
  return typeof jwk === 'string' ? null : jwk;
}
