/**
 * The text of a form sent after its session lapsed, kept so the page can show it again once the
 * user has logged back in. It lives in a short-lived HttpOnly cookie of the browser that typed it,
 * not in Redis: a request without a session must not be able to make the server keep anything.
 */

/** Drafts larger than this are not kept (a cookie holds about 4 KB). Bytes of the cookie value. */
export const FORM_DRAFT_MAX_BYTES = 2048;
/** How long a draft waits for its user to log back in. Seconds. */
export const FORM_DRAFT_TTL_SECONDS = 30 * 60;

/** The cookie value for the fields, or null when they are too large to keep. */
export function encodeDraft(fields: Record<string, string>): string | null {
  const value = Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
  return value.length <= FORM_DRAFT_MAX_BYTES ? value : null;
}

/** The fields of a draft cookie; null for anything that is not one. */
export function decodeDraft(value: string | undefined): Record<string, string> | null {
  if (!value || value.length > FORM_DRAFT_MAX_BYTES) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return null;
  }
}
