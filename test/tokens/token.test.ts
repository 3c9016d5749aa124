import { formatSessionId, newLocalId, newRoutingTag, parseSessionId, SESSION_ID_LENGTH } from '../../src/tokens/sessionId';
import { formatToken, hashSecret, newSecret, parseToken, TOKEN_LENGTH, TOKEN_PREFIX } from '../../src/tokens/token';

describe('session ids', () => {
  it('join a routing tag and a local id, and split back into them', () => {
    const parts = { tag: newRoutingTag(), localId: newLocalId() };
    const id = formatSessionId(parts);
    expect(id).toHaveLength(SESSION_ID_LENGTH);
    expect(parseSessionId(id)).toEqual(parts);
  });

  it.each(['', 'short', `${'a'.repeat(SESSION_ID_LENGTH)}b`, `${'a'.repeat(SESSION_ID_LENGTH - 1)}-`, `${'a'.repeat(SESSION_ID_LENGTH - 1)}}`])(
    'refuses %j',
    (id) => {
      expect(parseSessionId(id)).toBeNull();
    },
  );
});

describe('tokens', () => {
  const sessionId = formatSessionId({ tag: newRoutingTag(), localId: newLocalId() });

  it('carry the prefix, the session id and the secret, and parse back', () => {
    const secret = newSecret();
    const token = formatToken(sessionId, secret);
    expect(token).toHaveLength(TOKEN_LENGTH);
    expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(parseToken(token)).toEqual({ ...parseSessionId(sessionId), sessionId, secret });
  });

  it('get a fresh secret every time', () => {
    expect(new Set(Array.from({ length: 100 }, newSecret)).size).toBe(100);
  });

  it('refuse anything of the wrong length, prefix or alphabet', () => {
    const token = formatToken(sessionId, newSecret());
    for (const bad of ['', token.slice(1), `${token}A`, token.replace(TOKEN_PREFIX, 'tesz_'), `${token.slice(0, -1)}-`, `${token.slice(0, -1)}é`]) {
      expect(parseToken(bad)).toBeNull();
    }
  });

  it('store a secret as the first 16 bytes of its SHA-256, the same every time', () => {
    const secret = newSecret();
    expect(hashSecret(secret)).toHaveLength(16);
    expect(hashSecret(secret).equals(hashSecret(secret))).toBe(true);
    expect(hashSecret(secret).equals(hashSecret(newSecret()))).toBe(false);
    expect(hashSecret('abc').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223');
  });
});
