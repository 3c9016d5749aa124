/**
 * Where a page may send the user after login: only a path on this same origin. Anything else
 * (absolute URLs, `//host` and `/\host` forms that browsers treat as other hosts, control
 * characters, other schemes) falls back to the account page, so `next` is never an open redirect.
 */

export const DEFAULT_AFTER_LOGIN = '/account';

const PLACEHOLDER_ORIGIN = 'http://tessera.invalid';

export function safeNextPath(candidate: unknown, fallback = DEFAULT_AFTER_LOGIN): string {
  if (typeof candidate !== 'string' || candidate.length === 0 || candidate.length > 2048) return fallback;
  // Browsers strip tabs and newlines from URLs and read "\" as "/": refuse rather than guess.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
  if (!candidate.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(candidate)) return fallback;
  if (candidate.startsWith('//')) return fallback;
  let url: URL;
  try {
    url = new URL(candidate, PLACEHOLDER_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return fallback;
  // Dot segments can collapse into "//host" ("/..//evil.example"): check the normalised path again.
  if (url.pathname.startsWith('//')) return fallback;
  // Never loop back into the login or logout forms.
  if (url.pathname === '/login' || url.pathname === '/logout' || url.pathname === '/register') return fallback;
  return url.pathname + url.search;
}

/** `/login?next=<path>` for a path the user should come back to. */
export function loginPathFor(next: string): string {
  const safe = safeNextPath(next);
  return safe === DEFAULT_AFTER_LOGIN ? '/login' : `/login?next=${encodeURIComponent(safe)}`;
}
