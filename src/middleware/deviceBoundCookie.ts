/**
 * The wire format of device-bound cookie sessions (W3C DBSC, Editor's Draft of February 2026,
 * https://w3c.github.io/webappsec-dbsc/): the registration header a sign-in sends, the session
 * instructions (JSON) the start and refresh endpoints answer, and the headers the browser sends.
 */
import type { Context } from 'koa';
import { DEVICE_PROOF_ALGORITHMS } from '../tokens/deviceProof';

/** Where the browser registers its key, and where it renews the cookie. */
export const DEVICE_SESSION_PATHS = { start: '/auth/dbsc/start', refresh: '/auth/dbsc/refresh' } as const;

/** `Secure-Session-Registration` (§ "Secure-Session-Registration HTTP header field"): an inner list of algorithms, the start path and the challenge. */
export function registrationHeader(challenge: string): string {
  return `(${DEVICE_PROOF_ALGORITHMS.join(' ')});path="${DEVICE_SESSION_PATHS.start}";challenge="${challenge}"`;
}

/**
 * The JSON session instructions (§ "JSON Session Instruction Format"): the session, where to
 * refresh it, its scope (this origin, every path) and the one cookie it guards, with the
 * attributes that cookie is set with, so the browser can tell when it is missing.
 */
export function sessionInstructions(sessionId: string, cookie: { name: string; attributes: string }): Record<string, unknown> {
  return {
    session_identifier: sessionId,
    refresh_url: DEVICE_SESSION_PATHS.refresh,
    scope: { include_site: false, scope_specification: [] },
    credentials: [{ type: 'cookie', name: cookie.name, attributes: cookie.attributes }],
  };
}

/** The proof a browser sends (`Secure-Session-Response`), or null when none came. */
export function presentedDeviceProof(ctx: Context): string | null {
  return ctx.get('Secure-Session-Response') || null;
}

/**
 * The session a refresh names (`Sec-Secure-Session-Id`, a structured-field string: quoted, though a
 * bare token is taken too), or null.
 */
export function presentedDeviceSessionId(ctx: Context): string | null {
  const value = ctx.get('Sec-Secure-Session-Id').trim();
  const match = /^"([^"\\]*)"$/.exec(value) ?? /^([A-Za-z0-9]+)$/.exec(value);
  return match ? match[1] : null;
}
