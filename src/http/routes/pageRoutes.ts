/**
 * The server-rendered pages: /login, /register, /account and /admin, with plain HTML forms that
 * work without JavaScript. The session travels in the cookie (see middleware/sessionCookie.ts);
 * every form carries the session's CSRF token and a one-time form token, so a form sent twice
 * acts once. Each action answers with a redirect (POST/redirect/GET), so a reload never resends.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { AccountService } from '../../accounts/accountService';
import type { AdminService } from '../../admin/adminService';
import { ADMIN_ROLE } from '../../admin/roles';
import { ConflictError, InvalidCredentialsError, NotFoundError, UserBannedError, UsernameTakenError } from '../../errors';
import { csrfTokenOf, formField } from '../../middleware/csrf';
import { SessionCookie } from '../../middleware/sessionCookie';
import { accountPage, type AccountView } from '../../pages/accountPage';
import { adminPage, type AdminView } from '../../pages/adminPage';
import {
  adminSessionFormSchema,
  banFormSchema,
  loginFormSchema,
  parseForm,
  passwordFormSchema,
  registerFormSchema,
  userIdFormSchema,
} from '../../pages/formSchemas';
import { loginPage, registerPage, type CredentialsForm } from '../../pages/loginPage';
import { decodeDraft, encodeDraft, FORM_DRAFT_TTL_SECONDS } from '../../pages/formDraft';
import { PAGE_HEADERS } from '../../pages/pageHeaders';
import { alreadyDonePage, messagePage } from '../../pages/messagePages';
import { DEFAULT_AFTER_LOGIN, safeNextPath } from '../../pages/redirects';
import { describeUserAgent } from '../../pages/userAgent';
import type { ActiveSession } from '../../sessions/activeSession';
import type { SessionService } from '../../sessions/sessionService';
import type { SessionUser } from '../../sessions/types';
import type { FormScope, FormTokenStore } from '../../store/formTokenStore';
import { parseSessionId } from '../../tokens/sessionId';
import { actorOf } from './authRoutes';

export interface PageParts {
  sessions: SessionService;
  accounts: AccountService;
  admin: AdminService;
  cookie: SessionCookie;
  formTokens: FormTokenStore;
  signupEnabled: boolean;
}

/** Paths answered by these pages (HTML), as opposed to the JSON APIs. */
export function isPagePath(path: string): boolean {
  return /^\/(login|register|logout|account|admin)?$/.test(path) || path.startsWith('/account/') || path.startsWith('/admin/do/');
}

/** Forms that do not act on a session (they start one): no CSRF token, but still the origin check. */
export function isSignInForm(path: string): boolean {
  return path === '/login' || path === '/register';
}

/** Fixed notices shown after an action (`?done=<code>`); the query never puts its own text on a page. */
const NOTICES: Record<string, string> = {
  'device-signed-out': 'That device is signed out.',
  'others-signed-out': 'Every other device is signed out.',
  'password-changed': 'Your password is changed; every other device is signed out.',
  'session-gone': 'That session had already ended.',
  'form-expired': 'That form had expired, so nothing was done. Please send it again.',
  'signed-out': 'You are signed out.',
  banned: 'The user is banned and their sessions have ended.',
  unbanned: 'The ban is lifted.',
  'not-banned': 'That user was not banned.',
  'session-revoked': 'The session is revoked.',
  'sessions-revoked': 'Every session of the user is revoked.',
};

const LOGIN_ALREADY_SENT = 'This sign-in form was already sent once. If you are not signed in yet, sign in again.';

const EXPIRED_NOTICE =
  'Your session ended before the form was sent, so nothing was done. Log in to go back to it; the text you typed is kept, passwords are not.';

interface SignedIn {
  session: ActiveSession;
  user: SessionUser;
}

export function pageRoutes(parts: PageParts): Router {
  const { sessions, accounts, admin, cookie, formTokens } = parts;
  // A draft is shown only in the browser that typed it, which holds it in this cookie.
  const draftCookie = new SessionCookie({ secure: cookie.secure, name: 'tessera-draft' });
  const router = new Router();

  router.get('/', (ctx) => {
    ctx.redirect(DEFAULT_AFTER_LOGIN);
  });

  // ---- log in, register, sign out ----------------------------------------------------------

  const credentialsPage = async (ctx: Context, status: number, page: typeof loginPage, form: Omit<CredentialsForm, 'formToken' | 'signupEnabled'>) => {
    send(ctx, status, page({ ...form, formToken: await formTokens.issue(null), signupEnabled: parts.signupEnabled }));
  };

  router.get('/login', async (ctx) => {
    const next = safeNextPath(ctx.query.next);
    if (ctx.state.session) return seeOther(ctx, next);
    const notice = ctx.query.reason === 'expired' ? EXPIRED_NOTICE : noticeOf(ctx);
    await credentialsPage(ctx, 200, loginPage, { next, notice });
  });

  router.post('/login', async (ctx) => {
    const next = safeNextPath(formField(ctx, 'next'));
    const username = formField(ctx, 'username');
    const parsed = parseForm(loginFormSchema, ctx.request.body);
    if ('errors' in parsed) return credentialsPage(ctx, 400, loginPage, { next, username, fieldErrors: parsed.errors });
    const spent = await formTokens.spend(null, formField(ctx, '_form'), formAction(ctx));
    if (spent === 'already-spent') {
      // The first submission's answer (and its cookie) may never have arrived: offer the form again.
      if (ctx.state.session) return seeOther(ctx, next);
      return credentialsPage(ctx, 200, loginPage, { next, username, notice: LOGIN_ALREADY_SENT });
    }
    if (spent === 'unknown') return credentialsPage(ctx, 400, loginPage, { next, username, error: NOTICES['form-expired'] });
    await releasingOnFault(ctx, null, async () => {
      try {
        await signIn(ctx, parsed.data.username, parsed.data.password);
      } catch (error) {
        if (error instanceof InvalidCredentialsError) return credentialsPage(ctx, 401, loginPage, { next, username, error: 'Wrong username or password.' });
        if (error instanceof UserBannedError) return credentialsPage(ctx, 403, loginPage, { next, username, error: error.message });
        throw error;
      }
      seeOther(ctx, next);
    });
  });

  if (parts.signupEnabled) {
    router.get('/register', async (ctx) => {
      const next = safeNextPath(ctx.query.next);
      if (ctx.state.session) return seeOther(ctx, next);
      await credentialsPage(ctx, 200, registerPage, { next });
    });

    router.post('/register', async (ctx) => {
      const next = safeNextPath(formField(ctx, 'next'));
      const username = formField(ctx, 'username');
      const parsed = parseForm(registerFormSchema, ctx.request.body);
      if ('errors' in parsed) return credentialsPage(ctx, 400, registerPage, { next, username, fieldErrors: parsed.errors });
      const spent = await formTokens.spend(null, formField(ctx, '_form'), formAction(ctx));
      if (spent === 'already-spent') return send(ctx, 200, alreadyDonePage(next));
      if (spent === 'unknown') return credentialsPage(ctx, 400, registerPage, { next, username, error: NOTICES['form-expired'] });
      await releasingOnFault(ctx, null, async () => {
        try {
          await accounts.register(parsed.data.username, parsed.data.password, ctx.ip);
        } catch (error) {
          if (error instanceof UsernameTakenError) return credentialsPage(ctx, 409, registerPage, { next, username, fieldErrors: { username: 'That username is taken.' } });
          throw error;
        }
        await signIn(ctx, parsed.data.username, parsed.data.password);
        seeOther(ctx, next);
      });
    });
  }

  async function signIn(ctx: Context, username: string, password: string): Promise<void> {
    const userAgent = ctx.get('User-Agent');
    const { created } = await accounts.login(username, password, {
      device: { type: 'web', name: describeUserAgent(userAgent) },
      ip: ctx.ip,
      userAgent,
    });
    // A browser holds one session: logging in as someone (else) ends the one its cookie carried.
    if (ctx.state.session && ctx.state.credentials === 'cookie') await accounts.logout(actorOf(ctx), ctx.state.session.id);
    cookie.write(ctx, created.token, created.session.expiresAt);
  }

  router.post('/logout', async (ctx) => {
    if (ctx.state.session) await accounts.logout(actorOf(ctx), ctx.state.session.id);
    cookie.clear(ctx);
    seeOther(ctx, '/login?done=signed-out');
  });

  // ---- /account ------------------------------------------------------------------------------

  async function renderAccount(ctx: Context, signed: SignedIn, status: number, extra: Partial<AccountView> = {}): Promise<void> {
    const [csrf, formToken, list] = await Promise.all([
      csrfTokenOf(signed.session),
      formTokens.issue(scopeOf(signed.session)),
      sessions.list(signed.user.id),
    ]);
    // This device first, then the most recently used.
    const all = list
      .map((s) => ({ ...s, current: s.id === signed.session.id }))
      .sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
    send(ctx, status, accountPage({ user: signed.user, sessions: all, csrf, formToken, notice: noticeOf(ctx), ...extra }));
  }

  router.get('/account', async (ctx) => {
    const signed = signedInOrLogin(ctx);
    if (signed) await renderAccount(ctx, signed, 200);
  });

  router.post('/account/sessions/:id/revoke', async (ctx) => {
    await action(ctx, '/account', async (signed) => {
      const sessionId = ctx.params.id;
      if (sessionId === signed.session.id) {
        await accounts.logout(actorOf(ctx), sessionId);
        cookie.clear(ctx);
        return seeOther(ctx, '/login?done=signed-out');
      }
      try {
        await accounts.revokeOwnSession(actorOf(ctx), sessionId);
      } catch (error) {
        if (error instanceof NotFoundError) return seeOther(ctx, '/account?done=session-gone');
        throw error;
      }
      seeOther(ctx, '/account?done=device-signed-out');
    });
  });

  router.post('/account/sign-out-others', async (ctx) => {
    await action(ctx, '/account', async (signed) => {
      await accounts.logoutOthers(actorOf(ctx), signed.session.id);
      seeOther(ctx, '/account?done=others-signed-out');
    });
  });

  router.post('/account/password', async (ctx) => {
    await action(ctx, '/account', async (signed) => {
      const parsed = parseForm(passwordFormSchema, ctx.request.body);
      if ('errors' in parsed) return renderAccount(ctx, signed, 400, { passwordFieldErrors: parsed.errors });
      try {
        await accounts.changePassword(actorOf(ctx), signed.session.id, parsed.data.currentPassword, parsed.data.newPassword);
      } catch (error) {
        if (error instanceof InvalidCredentialsError) {
          return renderAccount(ctx, signed, 401, { passwordFieldErrors: { currentPassword: 'That is not your current password.' } });
        }
        throw error;
      }
      seeOther(ctx, '/account?done=password-changed');
    });
  });

  // ---- /admin --------------------------------------------------------------------------------

  async function renderAdmin(ctx: Context, signed: SignedIn, status: number, userId: string | null, extra: Partial<AdminView> = {}): Promise<void> {
    const query = typeof ctx.query.q === 'string' ? ctx.query.q.trim() : '';
    const queryError = query.length > 32 ? 'Search for at most 32 characters.' : undefined;
    const draft = ctx.query.draft === '1' ? decodeDraft(ctx.cookies.get(draftCookie.name)) : null;
    const [csrf, formToken, results, selected, audit] = await Promise.all([
      csrfTokenOf(signed.session),
      formTokens.issue(scopeOf(signed.session)),
      query && !queryError ? admin.searchUsers(query, 20).then((r) => r.users) : Promise.resolve(null),
      userId ? loadUser(userId) : Promise.resolve(null),
      admin.audit.page(20).then((p) => p.entries),
    ]);
    // Read once: the cookie goes as soon as the page has shown it.
    if (ctx.query.draft) draftCookie.clear(ctx);
    const notice = userId && !selected ? 'No user has that id.' : noticeOf(ctx);
    send(
      ctx,
      status,
      adminPage({
        user: signed.user,
        csrf,
        formToken,
        query,
        queryError,
        results,
        selected,
        audit,
        notice,
        banDraft: draft ? { reason: draft.reason, until: draft.until } : undefined,
        ...extra,
      }),
    );
  }

  async function loadUser(userId: string) {
    try {
      const [overview, list] = await Promise.all([admin.getUser(userId), admin.listSessions(userId)]);
      return { overview, sessions: list };
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  router.get('/admin', async (ctx) => {
    const signed = signedInOrLogin(ctx);
    if (!signed || !isAdmin(ctx, signed)) return;
    await renderAdmin(ctx, signed, 200, typeof ctx.query.user === 'string' ? ctx.query.user : null);
  });

  const adminBack = (ctx: Context) => {
    const userId = formField(ctx, 'userId');
    return userId ? `/admin?user=${encodeURIComponent(userId)}` : '/admin';
  };

  router.post('/admin/do/ban', async (ctx) => {
    const kept = { reason: formField(ctx, 'reason'), until: formField(ctx, 'until') };
    await action(
      ctx,
      adminBack(ctx),
      async (signed) => {
        if (!isAdmin(ctx, signed)) return;
        const userId = formField(ctx, 'userId');
        const parsed = parseForm(banFormSchema, ctx.request.body);
        if ('errors' in parsed) return renderAdmin(ctx, signed, 400, userId, { banDraft: kept, banFieldErrors: parsed.errors });
        try {
          await admin.ban(actorOf(ctx), parsed.data.userId, parsed.data.reason, parsed.data.until);
        } catch (error) {
          if (error instanceof ConflictError || error instanceof NotFoundError) {
            return renderAdmin(ctx, signed, error.status, userId, { banDraft: kept, banError: error.message });
          }
          throw error;
        }
        seeOther(ctx, withParam(adminBack(ctx), 'done', 'banned'));
      },
      kept,
    );
  });

  adminAction('/admin/do/unban', userIdFormSchema, 'not-banned', async (ctx, { userId }) => {
    await admin.unban(actorOf(ctx), userId);
    return withParam(adminBack(ctx), 'done', 'unbanned');
  });

  adminAction('/admin/do/revoke-session', adminSessionFormSchema, 'session-gone', async (ctx, { sessionId }, signed) => {
    await admin.revokeSession(actorOf(ctx), sessionId);
    if (sessionId !== signed.session.id) return withParam(adminBack(ctx), 'done', 'session-revoked');
    cookie.clear(ctx);
    return '/login?done=signed-out';
  });

  adminAction('/admin/do/revoke-all', userIdFormSchema, null, async (ctx, { userId }) => {
    await admin.revokeSessions(actorOf(ctx), userId);
    return withParam(adminBack(ctx), 'done', 'sessions-revoked');
  });

  // ---- shared steps --------------------------------------------------------------------------

  /**
   * Runs a signed-in form's action once. A session that lapsed while the form was filled sends
   * the user to log in and back to `back`, with `keep` (never passwords) saved as a draft the
   * page shows again. A replayed form answers "already done"; an expired form token changes
   * nothing and says so.
   */
  async function action(ctx: Context, back: string, act: (signed: SignedIn) => Promise<void>, keep?: Record<string, string>): Promise<void> {
    const { session, user } = ctx.state;
    if (!session || !user) {
      const next = keepDraft(ctx, back, keep);
      return seeOther(ctx, `/login?${new URLSearchParams({ next: safeNextPath(next), reason: 'expired' })}`);
    }
    const spent = await formTokens.spend(scopeOf(session), formField(ctx, '_form'), formAction(ctx));
    if (spent === 'already-spent') {
      return send(ctx, 200, alreadyDonePage(back, { user, csrf: await csrfTokenOf(session) }));
    }
    if (spent === 'unknown') return seeOther(ctx, keepDraft(ctx, withParam(back, 'done', 'form-expired'), keep));
    await releasingOnFault(ctx, scopeOf(session), () => act({ session, user }));
  }

  /**
   * Runs a form's action after its token was spent. When the action fails on our side (Redis
   * faltering half-way), the token is made fresh again, so sending the same form again is not
   * mistaken for a replay. Best effort: if Redis is still down, the token stays spent and the
   * form page must be reloaded.
   */
  async function releasingOnFault(ctx: Context, scope: FormScope, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      await formTokens.release(scope, formField(ctx, '_form'), formAction(ctx)).catch(() => undefined);
      throw error;
    }
  }

  /** Keeps the form's text (if any, and small enough) in the draft cookie; answers `back`, marked to show it. */
  function keepDraft(ctx: Context, back: string, keep?: Record<string, string>): string {
    if (!keep || Object.values(keep).every((v) => v === '')) return back;
    const value = encodeDraft(keep);
    if (!value) return back;
    draftCookie.write(ctx, value, new Date(Date.now() + FORM_DRAFT_TTL_SECONDS * 1000));
    return withParam(back, 'draft', '1');
  }

  /**
   * An admin form acting on one user or session: `act` answers where to go next; a NotFoundError
   * (already gone) goes back with the `gone` notice, or to /admin when there is none.
   */
  function adminAction<S extends z.ZodType>(
    path: string,
    schema: S,
    gone: string | null,
    act: (ctx: Context, data: z.infer<S>, signed: SignedIn) => Promise<string>,
  ): void {
    router.post(path, async (ctx) => {
      await action(ctx, adminBack(ctx), async (signed) => {
        if (!isAdmin(ctx, signed)) return;
        const parsed = parseForm(schema, ctx.request.body);
        if ('errors' in parsed) return seeOther(ctx, '/admin');
        let next: string;
        try {
          next = await act(ctx, parsed.data, signed);
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
          next = gone ? withParam(adminBack(ctx), 'done', gone) : '/admin';
        }
        seeOther(ctx, next);
      });
    });
  }

  function isAdmin(ctx: Context, signed: SignedIn): boolean {
    if (signed.user.roles.includes(ADMIN_ROLE)) return true;
    send(ctx, 403, messagePage('Admins only', 'This page needs the admin role.', { href: '/account', label: 'Back to your account' }, { user: signed.user }));
    return false;
  }

  return router;
}

/** The signed-in session, or null after answering with a redirect to the login page (and back). */
function signedInOrLogin(ctx: Context): SignedIn | null {
  const { session, user } = ctx.state;
  if (session && user) return { session, user };
  seeOther(ctx, `/login?${new URLSearchParams({ next: safeNextPath(ctx.path + ctx.search) })}`);
  return null;
}

function scopeOf(session: ActiveSession): FormScope {
  const parts = parseSessionId(session.id);
  // A live session always has a well-formed id; null would mean "signed-out form" and must never be inferred.
  if (!parts) throw new Error(`session id ${JSON.stringify(session.id)} is not well-formed`);
  return { tag: parts.tag, sessionLocalId: parts.localId };
}

function noticeOf(ctx: Context): string | undefined {
  return typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined;
}

/** What a form asks for: its path and the user or session it targets, so one page's forms differ. */
function formAction(ctx: Context): string {
  return [ctx.path, formField(ctx, 'userId'), formField(ctx, 'sessionId')].join(' ');
}

function withParam(path: string, name: string, value: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(value)}`;
}

function send(ctx: Context, status: number, document: string): void {
  ctx.status = status;
  ctx.set(PAGE_HEADERS);
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = document;
}

/** 303 See Other: after a POST the browser GETs the target (RFC 9110 §15.4.4). Only same-origin paths get here. */
function seeOther(ctx: Context, path: string): void {
  ctx.status = 303;
  ctx.set('Cache-Control', 'no-store');
  ctx.redirect(path);
  ctx.status = 303;
}
