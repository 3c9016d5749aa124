/**
 * Headers on every answer of the service. Its answers carry session data (tokens at login, who is
 * signed in, session lists, CSRF tokens), so none may be stored by a browser or a shared cache,
 * nor sniffed into another content type. HSTS goes out when the session cookie is Secure: once a
 * browser has seen it, it never sends that cookie's site a plain-http request again.
 */

/** One year, in seconds: the usual value, long enough for the HSTS preload list's minimum. */
const HSTS_MAX_AGE_SECONDS = 31_536_000;

export interface SecurityHeadersOptions {
  /** Send Strict-Transport-Security (the cookie transport is on with Secure cookies). */
  hsts: boolean;
}

/** The headers, for the service's edge to set on every answer. */
export function securityHeaders(options: SecurityHeadersOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
  if (options.hsts) headers['Strict-Transport-Security'] = `max-age=${HSTS_MAX_AGE_SECONDS}`;
  return Object.freeze(headers);
}
