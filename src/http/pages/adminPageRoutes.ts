/** /admin: find a user, see and end their sessions, ban and unban, read the audit trail. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { AdminService } from '../../admin/adminService';
import { ADMIN_ROLE } from '../../validation/rules';
import type { AccountService } from '../../accounts/accountService';
import { ConflictError, InvalidCredentialsError, NotFoundError, RateLimitedError, ValidationError } from '../../errors';
import { confirmPasswordPage, REAUTH_PASSWORD_FIELD } from '../../pages/confirmPasswordPage';
import { csrfTokenOf, formField } from '../../middleware/csrf';
import { refreshCookieFor } from '../../middleware/refreshCookie';
import type { SessionCookie } from '../../middleware/sessionCookie';
import { adminPage, type AdminView } from '../../pages/adminPage';
import { adminSessionFormSchema, banFormSchema, parseForm, userIdFormSchema } from '../../pages/formSchemas';
import { pageNumberOf } from '../../pages/pager';
import { MAX_SESSION_PAGE } from '../../sessions/sessionPage';
import { actorOf, authenticated, type SignedIn } from '../signedIn';
import type { FormActions } from './formAction';
import { noticeOf, type NoticeCode } from './notices';
import { signedInForm, signedInPage } from './pageGuards';
import { seeOther, sendPage, withParam } from './respond';
import { settle } from './settle';

export interface AdminPageParts {
  admin: AdminService;
  accounts: AccountService;
  cookie: SessionCookie;
  forms: FormActions;
  /** How old a sign-in an admin form accepts before it asks for the password (ADMIN_REAUTH_AFTER). Seconds; 0: any. */
  reauthAfterSeconds: number;
}

export function adminPageRoutes(router: Router, parts: AdminPageParts): void {
  const { admin, accounts, cookie, forms, reauthAfterSeconds } = parts;

  /**
   * Whether the admin's sign-in is recent enough to act, as the admin API asks; when it is not,
   * the answer is a page asking for the password, carrying the form along (its one-time token
   * unspent), and a right password there makes it recent and lets the act go ahead.
   */
  async function recentSignIn(ctx: Context): Promise<boolean> {
    if (reauthAfterSeconds === 0) return true;
    const { session, user } = authenticated(ctx);
    const signedInAt = session.authenticatedAt?.getTime() ?? 0;
    if (Date.now() - signedInAt <= reauthAfterSeconds * 1000) return true;
    const password = formField(ctx, REAUTH_PASSWORD_FIELD);
    let error: string | undefined;
    if (password) {
      const proven = await settle(accounts.reauthenticate(actorOf(ctx), session.id, password), InvalidCredentialsError, RateLimitedError);
      if (proven.ok) return true;
      error = proven.error.message;
    }
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const fields = Object.fromEntries(
      Object.entries(body).filter((entry): entry is [string, string] => entry[0] !== REAUTH_PASSWORD_FIELD && typeof entry[1] === 'string'),
    );
    sendPage(ctx, 401, confirmPasswordPage({ action: ctx.path, fields, error, user, csrf: await csrfTokenOf(session) }));
    return false;
  }

  async function render(ctx: Context, signed: SignedIn, status: number, userId: string | null, extra: Partial<AdminView> = {}): Promise<void> {
    const query = typeof ctx.query.q === 'string' ? ctx.query.q.trim() : '';
    const queryError = query.length > 32 ? 'Search for at most 32 characters.' : undefined;
    const draft = forms.draftOf(ctx);
    const [csrf, signForm, results, selected, audit] = await Promise.all([
      csrfTokenOf(signed.session),
      forms.signer(signed.session),
      query && !queryError ? admin.searchUsers(query, 20).then((r) => r.users) : Promise.resolve(null),
      userId ? loadUser(userId, pageNumberOf(ctx.query.page)) : Promise.resolve(null),
      admin.audit.page(20).then((p) => p.entries),
    ]);
    forms.dropDraft(ctx);
    const notice = userId && !selected ? 'No user has that id.' : noticeOf(ctx);
    const banDraft = draft ? { reason: draft.reason, until: draft.until } : undefined;
    sendPage(ctx, status, adminPage({ user: signed.user, csrf, signForm, query, queryError, results, selected, audit, notice, banDraft, ...extra }));
  }

  async function loadUser(userId: string, page: number) {
    const list = admin.listSessions(userId, { offset: (page - 1) * MAX_SESSION_PAGE, limit: MAX_SESSION_PAGE });
    const loaded = await settle(Promise.all([admin.getUser(userId), list]), NotFoundError);
    if (!loaded.ok) return null;
    const [overview, { sessions, total, nextOffset }] = loaded.value;
    const href = (n: number) => `/admin?user=${encodeURIComponent(userId)}&page=${n}`;
    return { overview, sessions, pager: { page, hasNext: nextOffset !== null, total, href } };
  }

  router.get('/admin', signedInPage(ADMIN_ROLE), async (ctx) => {
    await render(ctx, authenticated(ctx), 200, typeof ctx.query.user === 'string' ? ctx.query.user : null);
  });

  const keptBan = (ctx: Context) => ({ reason: formField(ctx, 'reason'), until: formField(ctx, 'until') });

  router.post('/admin/do/ban', signedInForm(forms, { back: backTo, keep: keptBan, role: ADMIN_ROLE }), async (ctx) => {
    if (!(await recentSignIn(ctx))) return;
    const kept = keptBan(ctx);
    const back = backTo(ctx);
    const act = async (signed: SignedIn) => {
      const userId = formField(ctx, 'userId');
      const parsed = parseForm(banFormSchema, ctx.request.body);
      if ('errors' in parsed) return render(ctx, signed, 400, userId, { banDraft: kept, banFieldErrors: parsed.errors });
      const banned = await settle(
        admin.ban(actorOf(ctx), parsed.data.userId, parsed.data.reason, parsed.data.until),
        ConflictError,
        NotFoundError,
        ValidationError,
      );
      if (banned.ok) return seeOther(ctx, withParam(back, 'done', 'banned'));
      // The service's own rules, on Redis's clock: an end the form took for future may have passed there.
      if (banned.error instanceof ValidationError) {
        const banFieldErrors = Object.fromEntries(banned.error.fields.map(({ field, message }) => [field, `The ${field} ${message}.`]));
        return render(ctx, signed, 400, userId, { banDraft: kept, banFieldErrors });
      }
      await render(ctx, signed, banned.error.status, userId, { banDraft: kept, banError: banned.error.message });
    };
    await forms.run(ctx, back, act, kept);
  });

  /**
   * An admin form acting on one user or session: `act` answers where to go next; a NotFoundError
   * (already gone) goes back with the `gone` notice, or to /admin when there is none.
   */
  function adminAction<S extends z.ZodType>(
    path: string,
    schema: S,
    gone: NoticeCode | null,
    act: (ctx: Context, data: z.infer<S>, signed: SignedIn) => Promise<string>,
  ): void {
    router.post(path, signedInForm(forms, { back: backTo, role: ADMIN_ROLE }), async (ctx) => {
      if (!(await recentSignIn(ctx))) return;
      await forms.run(ctx, backTo(ctx), async (signed) => {
        const parsed = parseForm(schema, ctx.request.body);
        if ('errors' in parsed) return seeOther(ctx, '/admin');
        const acted = await settle(act(ctx, parsed.data, signed), NotFoundError);
        seeOther(ctx, acted.ok ? acted.value : gone ? withParam(backTo(ctx), 'done', gone) : '/admin');
      });
    });
  }

  adminAction('/admin/do/unban', userIdFormSchema, 'not-banned', async (ctx, { userId }) => {
    await admin.unban(actorOf(ctx), userId);
    return withParam(backTo(ctx), 'done', 'unbanned');
  });

  adminAction('/admin/do/revoke-session', adminSessionFormSchema, 'session-gone', async (ctx, { sessionId }, signed) => {
    await admin.revokeSession(actorOf(ctx), sessionId);
    if (sessionId !== signed.session.id) return withParam(backTo(ctx), 'done', 'session-revoked');
    cookie.clear(ctx);
    refreshCookieFor(cookie).clear(ctx);
    return '/login?done=signed-out';
  });

  adminAction('/admin/do/revoke-all', userIdFormSchema, null, async (ctx, { userId }) => {
    await admin.revokeSessions(actorOf(ctx), userId);
    return withParam(backTo(ctx), 'done', 'sessions-revoked');
  });
}

/** The admin page a form came from: the user it was about, if any. */
function backTo(ctx: Context): string {
  const userId = formField(ctx, 'userId');
  return userId ? `/admin?user=${encodeURIComponent(userId)}` : '/admin';
}
