/**
 * The one comparison of a presented secret with the expected one: its time depends on neither
 * where they differ nor (for equal lengths) what they hold. Unequal lengths answer false at once,
 * so callers that must hide the length compare fixed-size digests.
 */
import { timingSafeEqual } from 'node:crypto';

export function sameSecret(presented: string | Buffer, expected: string | Buffer): boolean {
  const left = typeof presented === 'string' ? Buffer.from(presented) : presented;
  const right = typeof expected === 'string' ? Buffer.from(expected) : expected;
  return left.length === right.length && timingSafeEqual(left, right);
}
