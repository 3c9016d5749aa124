import { sameSecret } from '../../src/tokens/constantTime';

describe('sameSecret', () => {
  it('accepts only the same bytes, as text or buffer', () => {
    expect(sameSecret('tess_abc', 'tess_abc')).toBe(true);
    expect(sameSecret(Buffer.from('tess_abc'), 'tess_abc')).toBe(true);
    expect(sameSecret('tess_abd', 'tess_abc')).toBe(false);
  });

  it('refuses a prefix, a longer text and an empty one without throwing', () => {
    expect(sameSecret('tess_ab', 'tess_abc')).toBe(false);
    expect(sameSecret('tess_abcd', 'tess_abc')).toBe(false);
    expect(sameSecret('', 'tess_abc')).toBe(false);
  });

  it('compares bytes, not characters', () => {
    expect(sameSecret('é', 'e\u0301')).toBe(false);
  });
});
