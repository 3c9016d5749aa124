/** The login and registration forms. Errors appear next to the fields; the username typed is kept. */
import { fieldError, formTokens, invalidAttrs, layout } from './layout';
import { html } from './html';

export interface CredentialsForm {
  formToken: string;
  /** The same-origin path to return to after success. */
  next: string;
  username?: string;
  /** A message for the whole form (wrong credentials, banned, expired form). */
  error?: string;
  /** A notice above the form (the session ended while a form was being filled). */
  notice?: string;
  fieldErrors?: Partial<Record<'username' | 'password', string>>;
  signupEnabled: boolean;
  /** The CSRF token when a session is already signed in (logging in as someone else). */
  csrf?: string | null;
}

export function loginPage(form: CredentialsForm): string {
  return credentialsPage('Log in', '/login', form, 'current-password');
}

export function registerPage(form: CredentialsForm): string {
  return credentialsPage('Create an account', '/register', form, 'new-password');
}

function credentialsPage(title: string, action: string, form: CredentialsForm, passwordAutocomplete: string): string {
  const errors = form.fieldErrors ?? {};
  const other =
    action === '/login'
      ? form.signupEnabled
        ? html`<p>No account yet? <a href="/register${form.next === '/account' ? '' : `?next=${encodeURIComponent(form.next)}`}">Create one</a>.</p>`
        : ''
      : html`<p>Have an account? <a href="/login">Log in</a>.</p>`;
  return layout({
    title,
    csrf: form.csrf,
    body: html`<h1>${title}</h1>
${form.notice ? html`<p class="notice" role="status">${form.notice}</p>` : ''}
<section>
${form.error ? html`<p class="alert" role="alert" id="form-error">${form.error}</p>` : ''}
<form method="post" action="${action}" novalidate>
  ${formTokens(form.csrf, form.formToken)}
  <input type="hidden" name="next" value="${form.next}">
  <label for="username">Username</label>
  <input type="text" id="username" name="username" autocomplete="username" required value="${form.username ?? ''}"${invalidAttrs('username', errors.username)}>
  ${fieldError('username', errors.username)}
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="${passwordAutocomplete}" required${invalidAttrs('password', errors.password)}>
  ${fieldError('password', errors.password)}
  ${action === '/login' ? html`<div><input type="checkbox" id="remember" name="remember" value="on"> <label for="remember" class="inline">Keep me signed in</label></div>` : ''}
  <div><button type="submit">${title}</button></div>
</form>
${other}
</section>`,
  });
}
