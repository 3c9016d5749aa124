/**
 * Log in, register and sign out: the forms that start or end the browser's session. The log-in
 * and register forms write nothing to Redis until they succeed; sending either twice ends the
 * same way (signed in), so they need no one-time token.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { AccountService } from '../../accounts/accountService';
import { InvalidCredentialsError, RateLimitedError, ServerBusyError, UserBannedError, UsernameTakenError, ValidationError } from '../../errors';
import { publicRoute } from '../../middleware/access';
import { formField } from '../../middleware/csrf';
import { deviceCookieFor } from '../../middleware/deviceCookie';
import { refreshCookieFor } from '../../middleware/refreshCookie';
import type { SessionCookie } from '../../middleware/sessionCookie';
import { loginFormSchema, parseForm, registerFormSchema, weakPasswordMessage } from '../../pages/formSchemas';
import { loginPage, registerPage, type CredentialsForm } from '../../pages/loginPage';
import { DEFAULT_AFTER_LOGIN, safeNextPath } from '../../pages/redirects';
import { describeUserAgent } from '../../pages/userAgent';
import { actorOf } from '../signedIn';
import type { FormActions } from './formAction';
import { notice, noticeOf } from './notices';
import { seeOther, sendPage } from './respond';
import { settle } from './settle';

export interface SignInParts {
  accounts: AccountService;
  cookie: SessionCookie;
  forms: FormActions;
  signupEnabled: boolean;
}

const EXPIRED_NOTICE =
  'Your session ended before the form was sent, so nothing was done. Log in to go back to it; the text you typed is kept, passwords are not.';

/** What a sent credentials form keeps when it is shown again: where to go next and the name typed. */
type SentForm = Pick<CredentialsForm, 'next' | 'username'>;

export function signInRoutes(router: Router, parts: SignInParts): void {
  const { accounts, cookie, forms, signupEnabled } = parts;
  const refreshCookie = refreshCookieFor(cookie);
  const deviceCookie = deviceCookieFor(cookie);
  const anyone = publicRoute();

  const render = async (ctx: Context, status: number, page: typeof loginPage, form: Omit<CredentialsForm, 'formToken' | 'signupEnabled'>) => {
    sendPage(ctx, status, page({ ...form, formToken: await forms.issueSignedOut(ctx), signupEnabled }));
  };

  /** A throttle's 429 or a full password queue's 503, shown on the form itself with its Retry-After. */
  const renderRefusal = async (ctx: Context, page: typeof loginPage, form: SentForm, error: RateLimitedError | ServerBusyError) => {
    ctx.set(error.headers);
    await render(ctx, error.status, page, { ...form, error: error.message });
  };

  /** The steps log in and register share: check the fields and the form's token, then `act`. */
  const credentialsPost =
    <S extends z.ZodType>(page: typeof loginPage, schema: S, act: (ctx: Context, data: z.infer<S>, form: SentForm) => Promise<void>) =>
    async (ctx: Context) => {
      const form = { next: safeNextPath(formField(ctx, 'next')), username: formField(ctx, 'username') };
      const parsed = parseForm(schema, ctx.request.body);
      if ('errors' in parsed) return render(ctx, 400, page, { ...form, fieldErrors: parsed.errors });
      if (!(await forms.checkSignedOut(ctx))) return render(ctx, 400, page, { ...form, error: notice('form-expired') });
      await act(ctx, parsed.data, form);
    };

  /**
   * With `remember` ("Keep me signed in"), the refresh cookie signs the browser back in after the
   * session lapses. The device cookie, kept after sign-out, lets this browser past a lock an attack
   * puts on the username.
   */
  async function signIn(ctx: Context, username: string, password: string, remember = false): Promise<void> {
    const userAgent = ctx.get('User-Agent');
    const { created, device } = await accounts.login(
      username,
      password,
      { device: { type: 'web', name: describeUserAgent(userAgent) }, ip: ctx.ip, userAgent },
      { remember, deviceToken: ctx.cookies.get(deviceCookie.name) },
    );
    deviceCookie.write(ctx, device.token, device.expiresAt);
    // A browser holds one session: logging in as someone (else) ends the one its cookie carried.
    if (ctx.state.session && ctx.state.credentials === 'cookie') await accounts.logout(actorOf(ctx), ctx.state.session);
    await cookie.issue(ctx, created.token, created.session.expiresAt);
    if (created.refresh) refreshCookie.write(ctx, created.refresh.token, created.refresh.expiresAt);
    else refreshCookie.clear(ctx);
  }

  router.get('/', anyone, (ctx) => {
    ctx.redirect(ctx.state.session ? DEFAULT_AFTER_LOGIN : '/login');
  });

  router.get('/login', anyone, async (ctx) => {
    const next = safeNextPath(ctx.query.next);
    if (ctx.state.session) return seeOther(ctx, next);
    await render(ctx, 200, loginPage, { next, notice: ctx.query.reason === 'expired' ? EXPIRED_NOTICE : noticeOf(ctx) });
  });

  router.post(
    '/login',
    anyone,
    credentialsPost(loginPage, loginFormSchema, async (ctx, { username, password, remember }, form) => {
      const outcome = await settle(signIn(ctx, username, password, remember), InvalidCredentialsError, UserBannedError, RateLimitedError, ServerBusyError);
      if (outcome.ok) return seeOther(ctx, form.next);
      if (outcome.error instanceof InvalidCredentialsError) return render(ctx, 401, loginPage, { ...form, error: 'Wrong username or password.' });
      if (!(outcome.error instanceof UserBannedError)) return renderRefusal(ctx, loginPage, form, outcome.error);
      await render(ctx, 403, loginPage, { ...form, error: outcome.error.message });
    }),
  );

  if (signupEnabled) {
    router.get('/register', anyone, async (ctx) => {
      const next = safeNextPath(ctx.query.next);
      if (ctx.state.session) return seeOther(ctx, next);
      await render(ctx, 200, registerPage, { next });
    });

    router.post(
      '/register',
      anyone,
      credentialsPost(registerPage, registerFormSchema, async (ctx, { username, password }, form) => {
        const registered = await settle(accounts.register(username, password, ctx.ip), UsernameTakenError, ValidationError, RateLimitedError, ServerBusyError);
        if (!registered.ok && registered.error instanceof ValidationError) {
          return render(ctx, 400, registerPage, { ...form, fieldErrors: { password: weakPasswordMessage(registered.error) } });
        }
        if (!registered.ok && (registered.error instanceof RateLimitedError || registered.error instanceof ServerBusyError)) {
          return renderRefusal(ctx, registerPage, form, registered.error);
        }
        // Taken, but by these very credentials: this form was sent twice (or the account is the
        // sender's anyway), so it ends as the first one did, signed in. Otherwise the name is taken.
        const signedIn = await settle(signIn(ctx, username, password), InvalidCredentialsError, UserBannedError, RateLimitedError, ServerBusyError);
        if (!signedIn.ok && (signedIn.error instanceof RateLimitedError || signedIn.error instanceof ServerBusyError)) {
          return renderRefusal(ctx, registerPage, form, signedIn.error);
        }
        if (!signedIn.ok) {
          if (!registered.ok) return render(ctx, 409, registerPage, { ...form, fieldErrors: { username: 'That username is taken.' } });
          throw signedIn.error;
        }
        seeOther(ctx, form.next);
      }),
    );
  }

  router.post('/logout', anyone, async (ctx) => {
    if (ctx.state.session) await accounts.logout(actorOf(ctx), ctx.state.session);
    cookie.clear(ctx);
    refreshCookie.clear(ctx);
    seeOther(ctx, '/login?done=signed-out');
  });
}
