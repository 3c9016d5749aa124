/**
 * ISO 8601 text of a time, for the Session-Expires header of every authenticated request. The
 * date and second are formatted once per second and reused (the expiries of busy sessions fall
 * in the same few seconds); only the milliseconds are appended per call.
 */
let cachedSecond = Number.NaN;
let cachedPrefix = '';

export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    // "2026-11-25T23:41:16." of "2026-11-25T23:41:16.000Z"
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, -4);
    cachedSecond = second;
  }
  return `${cachedPrefix}${String(ms - second * 1000).padStart(3, '0')}Z`;
}
