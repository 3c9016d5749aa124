import { SignJWT } from 'jose';
import { DpopNonces } from '../../src/tokens/dpopNonce';
import { DpopProofChecker, htuOf, MAX_PROOF_BYTES, type ProofCheck } from '../../src/tokens/dpopProof';
import { newDpopKey, tamperedSignature, type TestDpopKey } from '../support/dpop';

const HTU = 'https://auth.example.com/api/orders';
const TOKEN = `tess_${'a'.repeat(53)}`;
const target = { method: 'GET', htu: HTU, accessToken: TOKEN };
const checker = () => new DpopProofChecker({ proofWindowSeconds: 60, nonces: null, keyCacheSize: 100 });

function refused(check: ProofCheck): string {
  if (check.ok) throw new Error('the proof was accepted');
  return `${check.error}: ${check.detail}`;
}

describe('DPoP proof checks', () => {
  let key: TestDpopKey;
  beforeAll(async () => {
    key = await newDpopKey();
  });

  it('accepts a fresh proof for the request and answers its key thumbprint and jti', async () => {
    const proof = await key.proof({ htm: 'GET', htu: HTU, token: TOKEN, jti: 'one-use' });
    expect(await checker().check([proof], target)).toEqual({ ok: true, proof: { jkt: key.jkt, jti: 'one-use', replayWindowMs: 120_000 } });
  });

  it('accepts an Ed25519 proof', async () => {
    const ed = await newDpopKey('EdDSA');
    const check = await checker().check([await ed.proof({ htm: 'GET', htu: HTU, token: TOKEN })], target);
    expect(check.ok && check.proof.jkt).toBe(ed.jkt);
  });

  it('refuses no proof, two proofs and an oversized one before decoding anything', async () => {
    const proof = await key.proof({ htm: 'GET', htu: HTU, token: TOKEN });
    expect(refused(await checker().check(undefined, target))).toMatch(/no DPoP proof/);
    expect(refused(await checker().check([proof, proof], target))).toMatch(/exactly one/);
    expect(refused(await checker().check(['a'.repeat(MAX_PROOF_BYTES + 1)], target))).toMatch(/longer than/);
    expect(refused(await checker().check(['not.a-jws'], target))).toMatch(/compact JWS/);
  });

  it('refuses a proof whose typ is not dpop+jwt', async () => {
    const proof = await key.proof({ htm: 'GET', htu: HTU, token: TOKEN }, { typ: 'JWT' });
    expect(refused(await checker().check([proof], target))).toMatch(/typ/);
  });

  it('refuses alg none and HMAC proofs', async () => {
    const unsigned = `${Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'none', jwk: key.jwk })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ htm: 'GET', htu: HTU, iat: Math.floor(Date.now() / 1000), jti: 'x' }),
    ).toString('base64url')}.`;
    expect(refused(await checker().check([unsigned], target))).toMatch(/compact JWS|alg/);
    const hmac = await new SignJWT({ htm: 'GET', htu: HTU, jti: 'x' })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: 'c2VjcmV0' } } as never)
      .setIssuedAt()
      .sign(new TextEncoder().encode('secret'));
    expect(refused(await checker().check([hmac], target))).toMatch(/alg must be one of ES256, EdDSA/);
  });

  it('refuses a proof whose jwk holds a private key, or a key of another type than its alg', async () => {
    const withPrivate = await key.proof({ htm: 'GET', htu: HTU, token: TOKEN }, { jwk: { ...key.jwk, d: 'A'.repeat(43) } });
    expect(refused(await checker().check([withPrivate], target))).toMatch(/public key/);
    const ed = await newDpopKey('EdDSA');
    const mismatched = await key.proof({ htm: 'GET', htu: HTU, token: TOKEN }, { jwk: ed.jwk });
    expect(refused(await checker().check([mismatched], target))).toMatch(/EC P-256/);
  });

  it('refuses a tampered signature and a proof signed by another key than its jwk', async () => {
    const proof = await key.proof({ htm: 'GET', htu: HTU, token: TOKEN });
    expect(refused(await checker().check([tamperedSignature(proof)], target))).toMatch(/signature/);
    const other = await newDpopKey();
    const borrowed = await other.proof({ htm: 'GET', htu: HTU, token: TOKEN }, { jwk: key.jwk });
    expect(refused(await checker().check([borrowed], target))).toMatch(/signature/);
  });

  it('refuses a proof for another method or another URI', async () => {
    expect(refused(await checker().check([await key.proof({ htm: 'POST', htu: HTU, token: TOKEN })], target))).toMatch(/htm/);
    const elsewhere = await key.proof({ htm: 'GET', htu: 'https://auth.example.com/api/admin', token: TOKEN });
    expect(refused(await checker().check([elsewhere], target))).toMatch(/htu/);
    const otherOrigin = await key.proof({ htm: 'GET', htu: 'https://evil.example.com/api/orders', token: TOKEN });
    expect(refused(await checker().check([otherOrigin], target))).toMatch(/htu/);
  });

  it('compares htu after RFC 3986 normalisation, without query or fragment', async () => {
    const spelled = await key.proof({ htm: 'GET', htu: 'HTTPS://Auth.Example.com:443/api/./orders?page=2#top', token: TOKEN });
    expect((await checker().check([spelled], target)).ok).toBe(true);
    expect(htuOf('https://auth.example.com', '/api/%7eorders?x=1')).toBe('https://auth.example.com/api/%7Eorders');
    expect(htuOf('https://auth.example.com', '//evil.example.com/x')).toBeNull();
  });

  it('refuses a proof issued outside the window, either way', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(refused(await checker().check([await key.proof({ htm: 'GET', htu: HTU, token: TOKEN, iat: now - 61 })], target))).toMatch(/iat/);
    expect(refused(await checker().check([await key.proof({ htm: 'GET', htu: HTU, token: TOKEN, iat: now + 61 })], target))).toMatch(/iat/);
    expect((await checker().check([await key.proof({ htm: 'GET', htu: HTU, token: TOKEN, iat: now - 50 })], target)).ok).toBe(true);
  });

  it('refuses a proof whose ath is missing or names another token', async () => {
    expect(refused(await checker().check([await key.proof({ htm: 'GET', htu: HTU })], target))).toMatch(/ath/);
    expect(refused(await checker().check([await key.proof({ htm: 'GET', htu: HTU, token: `${TOKEN}x` })], target))).toMatch(/ath/);
  });

  it('needs no ath where no token is presented (login, refresh)', async () => {
    const proof = await key.proof({ htm: 'POST', htu: 'https://auth.example.com/auth/login' });
    expect((await checker().check([proof], { method: 'POST', htu: 'https://auth.example.com/auth/login', accessToken: null })).ok).toBe(true);
  });

  it('asks for the server nonce, and takes one of this bucket or the last but no older', async () => {
    let nowMs = 1_000_000;
    const nonces = new DpopNonces(
      () => Promise.resolve(Buffer.alloc(32, 7)),
      60_000,
      () => nowMs,
    );
    const withNonces = new DpopProofChecker({ proofWindowSeconds: 60, nonces, keyCacheSize: 10, nowMs: Date.now });
    const without = await withNonces.check([await key.proof({ htm: 'GET', htu: HTU, token: TOKEN })], target);
    expect(without).toMatchObject({ ok: false, error: 'use_dpop_nonce' });
    const nonce = await nonces.current();
    const proof = () => key.proof({ htm: 'GET', htu: HTU, token: TOKEN, nonce });
    expect((await withNonces.check([await proof()], target)).ok).toBe(true);
    nowMs += 60_000;
    expect((await withNonces.check([await proof()], target)).ok).toBe(true);
    nowMs += 60_000;
    expect(await withNonces.check([await proof()], target)).toMatchObject({ ok: false, error: 'use_dpop_nonce' });
    const forged = `${nonce.split('.')[0]}.${'A'.repeat(22)}`;
    nowMs -= 120_000;
    expect(await withNonces.check([await key.proof({ htm: 'GET', htu: HTU, token: TOKEN, nonce: forged })], target)).toMatchObject({ ok: false });
  });

  it('keeps at most keyCacheSize imported keys and still checks proofs of evicted ones', async () => {
    const small = new DpopProofChecker({ proofWindowSeconds: 60, nonces: null, keyCacheSize: 2 });
    const keys = [key, await newDpopKey(), await newDpopKey()];
    for (let round = 0; round < 2; round++) {
      for (const each of keys) expect((await small.check([await each.proof({ htm: 'GET', htu: HTU, token: TOKEN })], target)).ok).toBe(true);
    }
    expect((small as unknown as { signers: Map<string, unknown> }).signers.size).toBe(2);
  });
});
