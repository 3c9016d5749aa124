import { isoTime } from '../../src/middleware/isoTime';

describe('the ISO time format', () => {
  it('writes exactly what Date#toISOString writes, within a second and across seconds', () => {
    const base = Date.UTC(2026, 10, 25, 23, 59, 58, 0);
    for (const ms of [base, base + 1, base + 9, base + 10, base + 99, base + 100, base + 999, base + 1000, base + 1005, base + 2999, base - 1, 0]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('writes what Date#toISOString writes on leap days, at month and year ends, and outside four-digit years', () => {
    const times = [
      Date.UTC(2024, 1, 29, 12),
      Date.UTC(2100, 1, 28, 23, 59, 59, 999),
      Date.UTC(2100, 2, 1),
      Date.UTC(2000, 1, 29),
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10_000, 0, 1),
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      Date.UTC(1970, 0, 1),
    ];
    for (const ms of times) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it('writes what Date#toISOString writes for every day of four centuries', () => {
    const start = Date.UTC(1970, 0, 1);
    for (let day = 0; day < 146_097; day++) {
      const ms = start + day * 86_400_000 + ((day * 7_919_993) % 86_400_000);
      if (isoTime(ms) !== new Date(ms).toISOString()) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
