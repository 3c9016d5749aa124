import { isoTime } from '../../src/middleware/isoTime';

describe('the Session-Expires time format', () => {
  it('writes exactly what Date#toISOString writes, within a second and across seconds', () => {
    const base = Date.UTC(2026, 10, 25, 23, 59, 58, 0);
    for (const ms of [base, base + 1, base + 9, base + 10, base + 99, base + 100, base + 999, base + 1000, base + 1005, base + 2999, base - 1, 0]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
