/**
 * Token storage adapters. Which suits which app:
 * - memoryStorage (default): a single-page app or a Node process; nothing survives a reload, and
 *   no other script on the page can read it from storage. Pair it with remember for a reload-proof
 *   login in Node, not in browsers.
 * - webStorage(localStorage): browser tabs share one pair, so a reload or a second tab stays
 *   signed in; any script on the origin can read it, so use it only under a strict CSP.
 * - 'cookie' (an option of createTesseraClient, not an adapter): the service's HttpOnly cookies
 *   hold both tokens and scripts never see them; the best choice when the pages and the service
 *   share an origin.
 */
import type { StoredPair, TokenStorage } from './types.js';

/** Keeps the pair in this page or process only: gone on reload, unseen by other scripts. The default. */
export function memoryStorage(): TokenStorage {
  let pair: StoredPair | null = null;
  return {
    get: () => pair,
    set: (next) => {
      pair = next;
    },
  };
}

/** The part of the Web Storage API the adapter uses (localStorage, sessionStorage or a look-alike). */
export interface WebStorageLike {
  /** The value under `key`, or null. */
  getItem(key: string): string | null;
  /** Stores `value` under `key`. */
  setItem(key: string, value: string): void;
  /** Forgets `key`. */
  removeItem(key: string): void;
}

/** Keeps the pair as JSON under `key` (default "tessera.session"); every tab of the origin sees the same pair. */
export function webStorage(store: WebStorageLike, key = 'tessera.session'): TokenStorage {
  return {
    get() {
      const text = store.getItem(key);
      if (!text) return null;
      try {
        const pair = JSON.parse(text) as StoredPair;
        return typeof pair?.token === 'string' ? pair : null;
      } catch {
        return null;
      }
    },
    set(pair) {
      if (pair) store.setItem(key, JSON.stringify(pair));
      else store.removeItem(key);
    },
  };
}
