/**
 * Paging a user's session list: the largest page, what a page request may ask for, and cursors.
 * A cursor names the last session of a page by its place in the list's stable order (creation
 * time, then id), so the next page starts right after it however the sessions were used meanwhile.
 */
import { TesseraArgumentError } from '../errors';
import type { ListPosition } from '../store/sessionStore';
import { parseSessionId } from '../tokens/sessionId';
import type { PageRequest, SessionRecord } from './types';

/** Largest page of a session list. */
export const MAX_SESSION_PAGE = 100;

/** Where the requested page starts, and its size, with their defaults; TesseraArgumentError when any is out of range. */
export function pageBounds(page: PageRequest): { from: ListPosition; limit: number } {
  const limit = page.limit ?? MAX_SESSION_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_SESSION_PAGE) {
    throw new TesseraArgumentError(`limit must be a whole number from 1 to ${MAX_SESSION_PAGE}; got ${String(limit)}.`);
  }
  if (page.cursor !== undefined && page.cursor !== null && page.offset !== undefined) throw new TesseraArgumentError('Give a cursor or an offset, not both.');
  if (page.offset !== undefined) {
    if (!Number.isSafeInteger(page.offset) || page.offset < 0)
      throw new TesseraArgumentError(`offset must be a whole number from 0; got ${String(page.offset)}.`);
    return { from: { offset: page.offset }, limit };
  }
  if (page.cursor === undefined || page.cursor === null) return { from: { after: null }, limit };
  const after = parseSessionCursor(page.cursor);
  if (!after) throw new TesseraArgumentError('cursor is not a nextCursor of a session list.');
  return { from: { after }, limit };
}

/** The cursor of the page after the one ending with `last`. */
export function sessionCursor(last: Pick<SessionRecord, 'id' | 'createdAt'>): string {
  const parts = parseSessionId(last.id);
  return Buffer.from(`${last.createdAt.getTime()}.${parts?.localId ?? ''}`, 'utf8').toString('base64url');
}

/** The position a cursor names, or null when it is not one of sessionCursor's. */
export function parseSessionCursor(cursor: string): { createdMs: number; localId: string } | null {
  const match = /^(\d{1,15})\.([A-Za-z0-9]{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? { createdMs: Number(match[1]), localId: match[2] } : null;
}

/** Offset of the page after this one, or null when this one reaches the end of `total`. */
export function nextOffset(offset: number, limit: number, total: number): number | null {
  return offset + limit < total ? offset + limit : null;
}
