/**
 * The DBSC proof check against proofs made with node:crypto as the draft describes them: ES256
 * and RS256 registrations, refreshes verified with the kept key, and each refusal.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { importDeviceKey, parseDeviceJwk, readDeviceProof, verifyDeviceProof, type DeviceJwk } from '../../src/tokens/deviceProof';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function keyPair(kind: 'ec' | 'rsa', modulusLength = 2048): { jwk: DeviceJwk; privateKey: KeyObject } {
  const { publicKey, privateKey } = kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength });
  const exported = publicKey.export({ format: 'jwk' });
  const jwk = (kind === 'ec' ? { kty: 'EC', crv: 'P-256', x: exported.x, y: exported.y } : { kty: 'RSA', n: exported.n, e: exported.e }) as DeviceJwk;
  return { jwk, privateKey };
}

function proof(privateKey: KeyObject, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${encode(header)}.${encode(payload)}`;
  const signature =
    header.alg === 'RS256'
      ? sign('sha256', Buffer.from(input), privateKey)
      : sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** The whole check as the service makes it: read, import the key (the header's or the kept one), verify. */
function checkDeviceProof(jws: string, kept: DeviceJwk | null) {
  const read = readDeviceProof(jws, kept === null);
  if (!read.ok) return read;
  const key = importDeviceKey(kept ?? read.proof.jwk!);
  if (typeof key === 'string') return { ok: false, detail: key };
  const failure = verifyDeviceProof(read.proof, key);
  return failure === null ? { ok: true, jti: read.proof.jti, jwk: key.jwk } : { ok: false, detail: failure };
}

describe('a DBSC proof', () => {
  const ec = keyPair('ec');
  const rsa = keyPair('rsa');

  it('registers an ES256 or an RS256 key named in its header, and answers the jti', () => {
    expect(checkDeviceProof(proof(ec.privateKey, { typ: 'dbsc+jwt', alg: 'ES256', jwk: ec.jwk }, { jti: 'c1' }), null)).toEqual({
      ok: true,
      jti: 'c1',
      jwk: ec.jwk,
    });
    expect(checkDeviceProof(proof(rsa.privateKey, { typ: 'dbsc+jwt', alg: 'RS256', jwk: rsa.jwk }, { jti: 'c2' }), null)).toEqual({
      ok: true,
      jti: 'c2',
      jwk: rsa.jwk,
    });
  });

  it('refreshes with the kept key, whatever key its header names', () => {
    const kept = parseDeviceJwk(JSON.stringify(ec.jwk))!;
    expect(checkDeviceProof(proof(ec.privateKey, { typ: 'dbsc+jwt', alg: 'ES256' }, { jti: 'c3' }), kept)).toMatchObject({ ok: true, jti: 'c3' });
    const other = keyPair('ec');
    expect(checkDeviceProof(proof(other.privateKey, { typ: 'dbsc+jwt', alg: 'ES256', jwk: other.jwk }, { jti: 'c3' }), kept)).toEqual({
      ok: false,
      detail: 'the signature does not verify',
    });
  });

  it.each([
    ['another typ', { typ: 'dpop+jwt', alg: 'ES256' }, 'typ must be dbsc+jwt'],
    ['alg none', { typ: 'dbsc+jwt', alg: 'none' }, 'alg must be one of ES256, RS256'],
    ['an HMAC', { typ: 'dbsc+jwt', alg: 'HS256' }, 'alg must be one of ES256, RS256'],
    ['a private key', { typ: 'dbsc+jwt', alg: 'ES256', jwk: { ...ec.jwk, d: 'AAAA' } }, 'jwk must be a public key'],
    ['no key', { typ: 'dbsc+jwt', alg: 'ES256' }, 'jwk is missing'],
    ['a key of the other type', { typ: 'dbsc+jwt', alg: 'ES256', jwk: rsa.jwk }, 'ES256 needs an EC P-256 jwk'],
    // A large exponent makes every verification of the kept key dear (about 80 times at 2048 bits).
    [
      'an RSA key with an exponent other than 65537',
      { typ: 'dbsc+jwt', alg: 'RS256', jwk: { ...rsa.jwk, e: 'AQAAAQ' } },
      'an RSA jwk must use the exponent 65537',
    ],
    ['a crit extension', { typ: 'dbsc+jwt', alg: 'ES256', jwk: ec.jwk, crit: ['x'] }, 'no crit extension is understood'],
  ])('refuses a registration with %s', (_what, header, detail) => {
    expect(checkDeviceProof(proof(ec.privateKey, header, { jti: 'c' }), null)).toEqual({ ok: false, detail });
  });

  it('refuses an RSA key under 2048 bits, a missing jti, and anything over 2 KB before parsing it', () => {
    const weak = keyPair('rsa', 1024);
    expect(checkDeviceProof(proof(weak.privateKey, { typ: 'dbsc+jwt', alg: 'RS256', jwk: weak.jwk }, { jti: 'c' }), null)).toEqual({
      ok: false,
      detail: 'an RSA key needs at least 2048 bits',
    });
    expect(checkDeviceProof(proof(ec.privateKey, { typ: 'dbsc+jwt', alg: 'ES256', jwk: ec.jwk }, {}), null)).toEqual({ ok: false, detail: 'jti is missing' });
    expect(checkDeviceProof('a'.repeat(2049), null)).toEqual({ ok: false, detail: 'the proof is longer than 2048 bytes' });
  });

  it('is read without a signature check, so its challenge can be judged before one is paid for', () => {
    const signed = proof(ec.privateKey, { typ: 'dbsc+jwt', alg: 'ES256' }, { jti: 'c4' });
    const tampered = signed.slice(0, -4) + (signed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const read = readDeviceProof(tampered, false);
    expect(read).toMatchObject({ ok: true, proof: { jti: 'c4', alg: 'ES256', jwk: null } });
    const key = importDeviceKey(ec.jwk);
    if (!read.ok || typeof key === 'string') throw new Error('unreadable');
    expect(verifyDeviceProof(read.proof, key)).toBe('the signature does not verify');
  });
});
