/**
 * Checks a DBSC proof: the `dbsc+jwt` a browser sends in `Secure-Session-Response`, signed by the
 * key it keeps for one session (W3C Device Bound Session Credentials, Editor's Draft of February
 * 2026, §"DBSC Proof JWT Syntax"). At registration the header carries the new public key (`jwk`);
 * at a refresh it carries none and the key kept for the session verifies it. Either way the
 * payload's `jti` is the server's challenge, which the caller checks. Not on the hot path (a
 * refresh every few minutes), so the key is imported per check.
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

export type DeviceProofCheck = { ok: true; jti: string; jwk: DeviceJwk } | { ok: false; detail: string };

const refuse = (detail: string): DeviceProofCheck => ({ ok: false, detail });

/**
 * Checks `jws` as a registration proof (`key` null: the header's `jwk` is the new key) or as a
 * refresh proof by the session's `key`. Answers the key it was verified with and the `jti`.
 */
export function checkDeviceProof(jws: string, key: DeviceJwk | null): DeviceProofCheck {
  if (jws.length > MAX_PROOF_BYTES) return refuse(`the proof is longer than ${MAX_PROOF_BYTES} bytes`);
  const parts = COMPACT_JWS.exec(jws);
  if (!parts) return refuse('the proof is not a compact JWS');
  const header = decodeJson(parts[1]);
  if (!header) return refuse('the proof header is not a JSON object');
  if (header.typ !== 'dbsc+jwt') return refuse('typ must be dbsc+jwt');
  const alg = header.alg as DeviceProofAlgorithm;
  if (!DEVICE_PROOF_ALGORITHMS.includes(alg)) return refuse(`alg must be one of ${DEVICE_PROOF_ALGORITHMS.join(', ')}`);
  if (header.crit !== undefined) return refuse('no crit extension is understood');
  const jwk = key ?? deviceJwkOf(header.jwk);
  if (typeof jwk === 'string') return refuse(jwk);
  if (algorithmOf(jwk) !== alg) return refuse(`alg ${alg} does not fit the ${jwk.kty} key`);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return refuse('jwk is not a valid public key');
  }
  if (jwk.kty === 'RSA' && (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) return refuse(`an RSA key needs at least ${MIN_RSA_BITS} bits`);
  const signature = Buffer.from(parts[3], 'base64url');
  const signingInput = Buffer.from(`${parts[1]}.${parts[2]}`);
  // A JWS ES256 signature is r||s (IEEE P1363), not DER.
  const verified =
    alg === 'ES256'
      ? signature.length === 64 && verify('sha256', signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
      : verify('sha256', signingInput, publicKey, signature);
  if (!verified) return refuse('the signature does not verify');
  const claims = decodeJson(parts[2]);
  if (!claims) return refuse('the proof payload is not a JSON object');
  if (typeof claims.jti !== 'string' || claims.jti.length === 0 || claims.jti.length > MAX_JTI_LENGTH) return refuse('jti is missing');
  return { ok: true, jti: claims.jti, jwk };
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
