/**
 * Checks a DBSC proof: the `dbsc+jwt` a browser sends in `Secure-Session-Response`, signed by the
 * key it keeps for one session (W3C Device Bound Session Credentials, Editor's Draft of February
 * 2026, §"DBSC Proof JWT Syntax"). At registration the header carries the new public key (`jwk`);
 * at a refresh it carries none and the key kept for the session verifies it. Either way the
 * payload's `jti` is the server's challenge, which the caller checks. Reading a proof costs no
 * signature, so the caller can check the challenge (an HMAC) before it pays for one; the import of
 * a kept key is the caller's to cache.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { MAX_PROOF_BYTES } from './dpopProof';

/** The algorithms Tessera offers, in its order of preference; `none` (an unbound session) never. */
export const DEVICE_PROOF_ALGORITHMS = ['ES256', 'RS256'] as const;
export type DeviceProofAlgorithm = (typeof DEVICE_PROOF_ALGORITHMS)[number];

/** A browser's public key, as kept beside its session: only the members that define it. */
export type DeviceJwk = { kty: 'EC'; crv: 'P-256'; x: string; y: string } | { kty: 'RSA'; n: string; e: string };

const COMPACT_JWS = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;
const EC_MEMBER = /^[A-Za-z0-9_-]{43}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** RSA keys below 2048 bits are refused (RFC 7518 §3.3); above 4096 the proof would not fit the size cap. */
const MIN_RSA_BITS = 2048;
const MAX_JTI_LENGTH = 256;

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
  if (jws.length > MAX_PROOF_BYTES) return refuse(`the proof is longer than ${MAX_PROOF_BYTES} bytes`);
  const parts = COMPACT_JWS.exec(jws);
  if (!parts) return refuse('the proof is not a compact JWS');
  const header = decodeJson(parts[1]);
  if (!header) return refuse('the proof header is not a JSON object');
  if (header.typ !== 'dbsc+jwt') return refuse('typ must be dbsc+jwt');
  const alg = header.alg as DeviceProofAlgorithm;
  if (!DEVICE_PROOF_ALGORITHMS.includes(alg)) return refuse(`alg must be one of ${DEVICE_PROOF_ALGORITHMS.join(', ')}`);
  if (header.crit !== undefined) return refuse('no crit extension is understood');
  const jwk = withKey ? deviceJwkOf(header.jwk) : null;
  if (typeof jwk === 'string') return refuse(jwk);
  const claims = decodeJson(parts[2]);
  if (!claims) return refuse('the proof payload is not a JSON object');
  if (typeof claims.jti !== 'string' || claims.jti.length === 0 || claims.jti.length > MAX_JTI_LENGTH) return refuse('jti is missing');
  return {
    ok: true,
    proof: { alg, jwk, jti: claims.jti, signingInput: Buffer.from(`${parts[1]}.${parts[2]}`), signature: Buffer.from(parts[3], 'base64url') },
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
  // A JWS ES256 signature is r||s (IEEE P1363), not DER.
  const verified =
    proof.alg === 'ES256'
      ? proof.signature.length === 64 && verify('sha256', proof.signingInput, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, proof.signature)
      : verify('sha256', proof.signingInput, key.publicKey, proof.signature);
  return verified ? null : 'the signature does not verify';
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
  const jwk = deviceJwkOf(value);
  return typeof jwk === 'string' ? null : jwk;
}

/** The header's jwk when it is a public P-256 or RSA key, with only its defining members; otherwise why not. */
function deviceJwkOf(value: unknown): DeviceJwk | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'jwk is missing';
  const jwk = value as Record<string, unknown>;
  if ('d' in jwk || 'p' in jwk || 'q' in jwk || 'k' in jwk) return 'jwk must be a public key';
  if (jwk.kty === 'EC') {
    if (jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || !EC_MEMBER.test(jwk.x) || !EC_MEMBER.test(jwk.y)) {
      return 'an EC jwk must be a P-256 key';
    }
    return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  }
  if (jwk.kty === 'RSA') {
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string' || !BASE64URL.test(jwk.n) || !BASE64URL.test(jwk.e)) return 'an RSA jwk needs n and e';
    return { kty: 'RSA', n: jwk.n, e: jwk.e };
  }
  return 'jwk must be an EC or RSA key';
}

function decodeJson(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
