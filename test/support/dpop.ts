/**
 * A DPoP client for tests, written with jose (not Tessera's own code): a key pair and proofs
 * signed by it, each claim overridable so a test can send exactly the wrong proof it means.
 */
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { LoginBody, TestService } from './service';

export interface ProofClaims {
  htm: string;
  htu: string;
  /** The session token the request carries; its hash becomes `ath`. */
  token?: string;
  nonce?: string;
  iat?: number;
  jti?: string;
  ath?: string;
}

export interface TestDpopKey {
  jwk: JWK;
  jkt: string;
  /** A proof for one request. `header` overrides members of the protected header. */
  proof(claims: ProofClaims, header?: Record<string, unknown>): Promise<string>;
}

export async function newDpopKey(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<TestDpopKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return {
    jwk,
    jkt: await calculateJwkThumbprint(jwk),
    proof: (claims, header = {}) => signProof(privateKey, { typ: 'dpop+jwt', alg, jwk, ...header }, claims),
  };
}

function signProof(privateKey: CryptoKey, header: Record<string, unknown>, claims: ProofClaims): Promise<string> {
  const payload: Record<string, unknown> = {
    jti: claims.jti ?? randomUUID(),
    htm: claims.htm,
    htu: claims.htu,
    iat: claims.iat ?? Math.floor(Date.now() / 1000),
  };
  const ath = claims.ath ?? (claims.token === undefined ? undefined : createHash('sha256').update(claims.token).digest('base64url'));
  if (ath !== undefined) payload.ath = ath;
  if (claims.nonce !== undefined) payload.nonce = claims.nonce;
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(privateKey);
}

/** Flips one character of the signature: same length, wrong bytes. */
export function tamperedSignature(proof: string): string {
  const last = proof.length - 10;
  return proof.slice(0, last) + (proof[last] === 'A' ? 'B' : 'A') + proof.slice(last + 1);
}

/** Registers `username` and logs in with a proof by `key` for `origin`/auth/login (the service's own origin unless given). */
export async function provenLogIn(service: TestService, username: string, key: TestDpopKey, origin = service.url): Promise<LoginBody> {
  const registered = await service.call('POST', '/auth/register', { body: { username, password: 'correct horse battery' } });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);
  const proof = await key.proof({ htm: 'POST', htu: `${origin}/auth/login` });
  const response = await service.call('POST', '/auth/login', { body: { username, password: 'correct horse battery' }, headers: { dpop: proof } });
  if (response.status !== 200) throw new Error(`login answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as LoginBody;
}
