/** Cursors of paged lists are opaque to clients: base64url of the position in the list. */
import { ValidationError } from '../errors';
import { parseSessionCursor } from '../sessions/sessionPage';

export function encodeCursor(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

/** An offset cursor (from encodeCursor(String(offset))); 400 for anything else. */
export function decodeOffset(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const offset = Number(decodeCursor(cursor));
  if (!Number.isSafeInteger(offset) || offset < 0) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor from this list' }]);
  return offset;
}

export function encodeOffset(offset: number | null): string | null {
  return offset === null ? null : encodeCursor(String(offset));
}

/** A session list's cursor as the library takes it; 400 for one that is not from that list. */
export function sessionListCursor(cursor: string | undefined): string | undefined {
  if (cursor !== undefined && !parseSessionCursor(cursor)) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor from this list' }]);
  return cursor;
}
