import { isoTimes } from '../../src/http/isoTimes';

describe('isoTimes', () => {
  it('serialises to the same JSON as the record itself', () => {
    const record = {
      id: 'a',
      createdAt: new Date(Date.UTC(2026, 11, 7, 14, 0, 0, 5)),
      rememberedUntil: null,
      unreadable: new Date(Number.NaN),
      device: { type: 'web', name: null },
      nested: { at: new Date(0) },
      roles: ['user'],
    };
    expect(JSON.stringify(isoTimes(record))).toBe(JSON.stringify(record));
    expect(isoTimes(record).createdAt).toBe('2026-12-07T14:00:00.005Z');
  });
});
