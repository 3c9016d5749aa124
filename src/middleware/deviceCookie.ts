/**
 * The device credential's cookie (tokens/deviceToken.ts), `__Host-tessera-device` when Secure:
 * HttpOnly, SameSite=Lax, kept across sign-outs, so a browser that signed in as a user before is
 * known at that user's next log-in. Read only by the log-in form and POST /auth/login.
 */
import { SessionCookie } from './sessionCookie';

export const DEVICE_COOKIE_BASE_NAME = 'tessera-device';

/** The device cookie that goes with a session cookie (Secure and prefixed alike). */
export function deviceCookieFor(sessionCookie: SessionCookie): SessionCookie {
  return new SessionCookie({ secure: sessionCookie.secure, name: DEVICE_COOKIE_BASE_NAME });
}
