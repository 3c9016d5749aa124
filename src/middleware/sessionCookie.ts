/**
 * The cookie transport: the same opaque session token, carried in an HttpOnly, SameSite=Lax
 * cookie for server-rendered pages. With Secure on (the default) the name takes the `__Host-`
 * prefix, so the browser keeps it only from a secure origin, for Path=/ and this host alone
 * (RFC 6265bis §4.1.3.2). Its Max-Age follows the session's sliding idle expiry.
 */
import type { Context, Middleware } from 'koa';
import type { DeviceBinding } from '../sessions/deviceBinding';
import { registrationHeader } from './deviceBoundCookie';
import './state';

/** The options of `new SessionCookie()`. */
export interface SessionCookieOptions {
  /** Send the Secure attribute and use the `__Host-` prefix. Default true; turn off only for plain-http localhost. */
  secure?: boolean;
  /** Base name of the cookie, without the prefix. Default "tessera". */
  name?: string;
  /**
   * Offer browsers to bind the session to a key of theirs (W3C DBSC) at every sign-in: see
   * `issue()`. Default null: plain cookie sessions.
   * @internal The service sets it, with its /auth/dbsc routes.
   */
  deviceBinding?: DeviceBinding | null;
}

/** The defaults of `SessionCookieOptions`: Secure, named `tessera` (so `__Host-tessera`). */
export const DEFAULT_SESSION_COOKIE_OPTIONS = { secure: true, name: 'tessera' } as const;

const COOKIE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The session token in an HttpOnly, SameSite=Lax cookie: pass `read` to `authenticate()` as
 * `fallbackToken`, use `slide()` after it, `write()` at login and `clear()` at logout.
 */
export class SessionCookie {
  /** The cookie's full name, `__Host-tessera` when Secure. */
  readonly name: string;
  readonly secure: boolean;
  /** @internal The service's DBSC binding, or null. */
  readonly deviceBinding: DeviceBinding | null;

  constructor(options: SessionCookieOptions = {}) {
    const base = options.name ?? DEFAULT_SESSION_COOKIE_OPTIONS.name;
    if (!COOKIE_NAME.test(base)) throw new TypeError('SessionCookie option "name" must be 1-64 letters, digits, "_" or "-"');
    this.secure = options.secure ?? DEFAULT_SESSION_COOKIE_OPTIONS.secure;
    this.name = this.secure ? `__Host-${base}` : base;
    this.deviceBinding = options.deviceBinding ?? null;
  }

  /** The attributes the cookie is set with, as DBSC's session instructions name them. */
  get attributes(): string {
    return `Path=/; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}`;
  }

  /** The token from the cookie, for authenticate()'s fallbackToken hook (used only when no Authorization header came). */
  readonly read = (ctx: Context): string | null => {
    const token = ctx.cookies.get(this.name);
    if (!token) return null;
    ctx.state.credentials = 'cookie';
    return token;
  };

  /** Sets the cookie to the token, living until the session's idle expiry. */
  write(ctx: Context, token: string, expiresAt: Date): void {
    this.writeFor(ctx, token, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  }

  /**
   * Sets the cookie to a new session's token (a sign-in): with deviceBinding, the answer also
   * offers the browser to bind the session to a key (`Secure-Session-Registration`); a browser
   * without DBSC ignores the header.
   */
  async issue(ctx: Context, token: string, expiresAt: Date): Promise<void> {
    this.write(ctx, token, expiresAt);
    // The offer is optional: when its signing key cannot be read now (Redis away), the sign-in,
    // already made, is answered without it rather than with a 503 for a session that exists.
    const offer = await this.deviceBinding?.registrationChallenge(token).catch(() => null);
    if (offer) ctx.set('Secure-Session-Registration', registrationHeader(offer.challenge));
  }

  /** Sets the cookie to a value living `maxAgeSeconds`. */
  writeFor(ctx: Context, value: string, maxAgeSeconds: number): void {
    this.setHeader(ctx, `${this.name}=${value}; Max-Age=${Math.max(0, maxAgeSeconds)}`);
  }

  /** Tells the browser to drop the cookie. */
  clear(ctx: Context): void {
    this.setHeader(ctx, `${this.name}=; Max-Age=0`);
  }

  /**
   * Runs after authenticate(): a cookie that brought a live session is sent again with the slid
   * Max-Age (no later than the end of its window when a browser key binds it, so the browser
   * renews it in time); a cookie that brought a dead one is cleared.
   */
  slide(): Middleware {
    return async (ctx, next) => {
      if (ctx.state.credentials === 'cookie') {
        const token = ctx.cookies.get(this.name);
        const session = ctx.state.session;
        if (session && token) this.write(ctx, token, earlier(session.expiresAt, session.deviceBoundUntil));
        else this.clear(ctx);
      } else if (ctx.get('Authorization')) {
        ctx.state.credentials = 'header';
      }
      await next();
    };
  }

  private setHeader(ctx: Context, nameValueAndAge: string): void {
    const attributes = `; ${this.attributes}`;
    const current = ctx.response.get('Set-Cookie') as string | string[] | undefined;
    const others = (Array.isArray(current) ? current : current ? [current] : []).filter((c) => !c.startsWith(`${this.name}=`));
    ctx.set('Set-Cookie', [...others, nameValueAndAge + attributes]);
  }
}

function earlier(date: Date, other: Date | null): Date {
  return other !== null && other < date ? other : date;
}
