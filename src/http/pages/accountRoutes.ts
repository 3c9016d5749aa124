/** /account: the signed-in user's devices (sign one or all others out) and password change. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AccountService } from '../../accounts/accountService';
import { InvalidCredentialsError, NotFoundError, ValidationError } from '../../errors';
import { csrfTokenOf } from '../../middleware/csrf';
import { refreshCookieFor } from '../../middleware/refreshCookie';
import type { SessionCookie } from '../../middleware/sessionCookie';
import { accountPage, type AccountView } from '../../pages/accountPage';
import { parseForm, passwordFormSchema, weakPasswordMessage } from '../../pages/formSchemas';
import { pageNumberOf } from '../../pages/pager';
import { MAX_SESSION_PAGE } from '../../sessions/sessionPage';
import type { SessionService } from '../../sessions/sessionService';
import { actorOf, authenticated, type SignedIn } from '../signedIn';
import type { FormActions } from './formAction';
import { noticeOf } from './notices';
import { signedInForm, signedInPage } from './pageGuards';
import { seeOther, sendPage } from './respond';
import { settle } from './settle';

export interface AccountParts {
  sessions: SessionService;
  accounts: AccountService;
  cookie: SessionCookie;
  forms: FormActions;
}

export function accountRoutes(router: Router, parts: AccountParts): void {
  const { sessions, accounts, cookie, forms } = parts;

  async function render(ctx: Context, signed: SignedIn, status: number, extra: Partial<AccountView> = {}): Promise<void> {
    const page = pageNumberOf(ctx.query.page);
    const [csrf, signForm, list] = await Promise.all([
      csrfTokenOf(signed.session),
      forms.signer(signed.session),
      sessions.list(signed.user.id, { offset: (page - 1) * MAX_SESSION_PAGE, limit: MAX_SESSION_PAGE }),
    ]);
    const pager = { page, hasNext: list.nextOffset !== null, total: list.total, href: (n: number) => `/account?page=${n}` };
    // This device first, then the most recently used.
    const all = list.sessions
      .map((s) => ({ ...s, current: s.id === signed.session.id }))
      .sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
    sendPage(ctx, status, accountPage({ user: signed.user, sessions: all, pager, csrf, signForm, notice: noticeOf(ctx), ...extra }));
  }

  const form = signedInForm(forms, { back: () => '/account', ownerOnly: true });

  router.get('/account', signedInPage(), async (ctx) => {
    await render(ctx, authenticated(ctx), 200);
  });

  router.post('/account/sessions/:id/revoke', form, async (ctx) => {
    await forms.run(ctx, '/account', async (signed) => {
      const sessionId = ctx.params.id;
      if (sessionId === signed.session.id) {
        await accounts.logout(actorOf(ctx), signed.session);
        cookie.clear(ctx);
        refreshCookieFor(cookie).clear(ctx);
        return seeOther(ctx, '/login?done=signed-out');
      }
      const revoked = await settle(accounts.revokeOwnSession(actorOf(ctx), sessionId), NotFoundError);
      seeOther(ctx, revoked.ok ? '/account?done=device-signed-out' : '/account?done=session-gone');
    });
  });

  router.post('/account/sign-out-others', form, async (ctx) => {
    await forms.run(ctx, '/account', async (signed) => {
      await accounts.logoutOthers(actorOf(ctx), signed.session.id);
      seeOther(ctx, '/account?done=others-signed-out');
    });
  });

  router.post('/account/password', form, async (ctx) => {
    await forms.run(ctx, '/account', async (signed) => {
      const parsed = parseForm(passwordFormSchema, ctx.request.body);
      if ('errors' in parsed) return render(ctx, signed, 400, { passwordFieldErrors: parsed.errors });
      const { currentPassword, newPassword } = parsed.data;
      const changed = await settle(
        accounts.changePassword(actorOf(ctx), signed.session.id, currentPassword, newPassword),
        InvalidCredentialsError,
        ValidationError,
      );
      if (changed.ok) return seeOther(ctx, '/account?done=password-changed');
      if (changed.error instanceof ValidationError)
        return render(ctx, signed, 400, { passwordFieldErrors: { newPassword: weakPasswordMessage(changed.error) } });
      await render(ctx, signed, 401, { passwordFieldErrors: { currentPassword: 'That is not your current password.' } });
    });
  });
}
