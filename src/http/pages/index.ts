/**
 * The server-rendered pages: /login, /register, /account and /admin, with plain HTML forms that
 * work without JavaScript. The session travels in the cookie (see middleware/sessionCookie.ts);
 * every signed-in form carries the session's CSRF token and a form token signed for its session
 * and action, spent when sent, so a form sent twice acts once; the signed-out forms carry a signed
 * token that Redis never sees. A page view writes nothing. Each
 * action answers with a redirect (POST/redirect/GET), so a reload never resends.
 */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { AccountService } from '../../accounts/accountService';
import { DEFAULT_ADMIN_REAUTH_AFTER_SECONDS, type AdminService } from '../../admin/adminService';
import { csrfProtection } from '../../middleware/csrf';
import { refreshCookieFor, refreshFromCookie } from '../../middleware/refreshCookie';
import { SessionCookie } from '../../middleware/sessionCookie';
import { messagePage, unavailablePage } from '../../pages/messagePages';
import type { SessionService } from '../../sessions/sessionService';
import type { FormTokenStore } from '../../store/formTokenStore';
import type { SignedInFormTokens } from '../../tokens/signedInFormToken';
import type { SignedOutFormTokens } from '../../tokens/signedOutFormToken';
import { accountRoutes } from './accountRoutes';
import { adminPageRoutes } from './adminPageRoutes';
import { FormActions } from './formAction';
import { guardedRouter } from '../guardedRouter';
import { signInRoutes } from './signInRoutes';

/** What the app is given to serve the pages. */
export interface PagesParts {
  cookie: SessionCookie;
  formTokens: FormTokenStore;
  signedInFormTokens: SignedInFormTokens;
  signedOutFormTokens: SignedOutFormTokens;
  signupEnabled: boolean;
  /** Origin the pages are served from, for the CSRF origin check. Default: each request's own origin. */
  publicOrigin?: string;
  /** Other origins whose pages may send cookie-authenticated API writes with the CSRF token (CORS_ORIGINS, when cookies cross). */
  trustedOrigins?: readonly string[];
  /** How old a sign-in the admin page's forms accept before they ask for the password. Seconds; 0: any; default 900. */
  adminReauthAfterSeconds?: number;
}

export interface PageParts extends PagesParts {
  sessions: SessionService;
  accounts: AccountService;
  admin: AdminService;
}

export interface PageLayer {
  /**
   * The CSRF defence that comes with the cookie the pages use: every cookie-authenticated unsafe
   * request (JSON API included) is checked, and the sign-in forms get the origin check. Runs before any route.
   */
  csrf: Middleware;
  /** Signs a page navigation back in from the refresh cookie when its session cookie has lapsed. Runs after authenticate. */
  refresh: Middleware;
  router: Router;
}

export function pageLayer(parts: PageParts): PageLayer {
  const { cookie } = parts;
  const draftCookie = new SessionCookie({ secure: cookie.secure, name: 'tessera-draft' });
  const forms = new FormActions(parts.formTokens, parts.signedInFormTokens, parts.signedOutFormTokens, draftCookie);
  const router = guardedRouter();
  signInRoutes(router, { accounts: parts.accounts, cookie, forms, signupEnabled: parts.signupEnabled });
  accountRoutes(router, { sessions: parts.sessions, accounts: parts.accounts, cookie, forms });
  adminPageRoutes(router, {
    admin: parts.admin,
    accounts: parts.accounts,
    cookie,
    forms,
    reauthAfterSeconds: parts.adminReauthAfterSeconds ?? DEFAULT_ADMIN_REAUTH_AFTER_SECONDS,
  });
  const csrf = csrfProtection({
    publicOrigin: parts.publicOrigin,
    ...(parts.trustedOrigins ? { trustedOrigins: parts.trustedOrigins } : {}),
    // A refresh by cookie (no token in the body) is a browser's: the origin check applies to it too.
    isPageForm: (ctx) => isPagePath(ctx.path) || isCookieRefresh(ctx),
    // Forms that start a session rather than act on one: no CSRF token, but still the origin check.
    isTokenExempt: (ctx) => ctx.path === '/login' || ctx.path === '/register' || isCookieRefresh(ctx),
  });
  const refresh = refreshFromCookie({
    session: cookie,
    refresh: refreshCookieFor(cookie),
    spend: (token, metadata) => parts.accounts.refresh(token, metadata),
    activate: (refreshed) => parts.sessions.activate(refreshed),
    applies: (ctx) => (ctx.method === 'GET' || ctx.method === 'HEAD') && isPagePath(ctx.path),
  });
  return { csrf, refresh, router };
}

/**
 * For problemDetails: the HTML page a page request gets for a server-side failure (a Redis
 * fault's 503 included), so a browser shows words, not JSON; null for the JSON APIs.
 */
export function pageErrorDocument(ctx: Context, status: number): string | null {
  if (!isPagePath(ctx.path)) return null;
  if (status === 503) return unavailablePage();
  return messagePage('Something went wrong', 'The request failed on our side; nothing you typed was wrong.', {
    href: '/account',
    label: 'Back to your account',
  });
}

function isCookieRefresh(ctx: Context): boolean {
  const body = ctx.request.body as { refreshToken?: unknown } | undefined;
  return ctx.path === '/auth/refresh' && body?.refreshToken === undefined;
}

/** Paths answered by these pages (HTML), as opposed to the JSON APIs. */
function isPagePath(path: string): boolean {
  return /^\/(login|register|logout|account|admin)?$/.test(path) || path.startsWith('/account/') || path.startsWith('/admin/do/');
}
