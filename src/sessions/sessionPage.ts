/** Paging a user's session list: the largest page, and what a page request may ask for. */
import { TesseraArgumentError } from '../errors';
import type { PageRequest } from './types';

/** Largest page of a session list. */
export const MAX_SESSION_PAGE = 100;

/** The request's offset and limit with their defaults; TesseraArgumentError when either is out of range. */
export function pageBounds(page: PageRequest): { offset: number; limit: number } {
  const offset = page.offset ?? 0;
  const limit = page.limit ?? MAX_SESSION_PAGE;
  if (!Number.isSafeInteger(offset) || offset < 0) throw new TesseraArgumentError(`offset must be a whole number from 0; got ${String(offset)}.`);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_SESSION_PAGE) {
    throw new TesseraArgumentError(`limit must be a whole number from 1 to ${MAX_SESSION_PAGE}; got ${String(limit)}.`);
  }
  return { offset, limit };
}

/** Offset of the page after this one, or null when this one reaches the end of `total`. */
export function nextOffset(offset: number, limit: number, total: number): number | null {
  return offset + limit < total ? offset + limit : null;
}
