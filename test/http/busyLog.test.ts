import { BusyLog } from '../../src/http/busyLog';

describe('the busy log', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes the first busy answer at once, then the count of each window while they last', () => {
    const lines: [number, number][] = [];
    const log = new BusyLog((count, seconds) => lines.push([count, seconds]), 10_000);
    for (let i = 0; i < 50; i++) log.record();
    expect(lines).toEqual([[1, 0]]);
    jest.advanceTimersByTime(10_000);
    expect(lines).toEqual([
      [1, 0],
      [49, 10],
    ]);
    for (let i = 0; i < 7; i++) log.record();
    jest.advanceTimersByTime(10_000);
    expect(lines).toEqual([
      [1, 0],
      [49, 10],
      [7, 10],
    ]);
    jest.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(3);
    log.record();
    expect(lines).toEqual([
      [1, 0],
      [49, 10],
      [7, 10],
      [1, 0],
    ]);
  });

  it('with a window of 0, writes every busy answer at once and keeps no timer', () => {
    const lines: [number, number][] = [];
    const log = new BusyLog((count, seconds) => lines.push([count, seconds]), 0);
    for (let i = 0; i < 3; i++) log.record();
    expect(lines).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
    ]);
    expect(jest.getTimerCount()).toBe(0);
  });
});
