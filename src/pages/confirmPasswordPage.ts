/**
 * The password prompt of an admin form whose sign-in is too old (ADMIN_REAUTH_AFTER): the form's
 * own fields ride along hidden, so confirming the password finishes the act in one step.
 */
import { html } from './html';
import { layout, type PageFrame } from './layout';

export interface ConfirmPasswordView extends Omit<PageFrame, 'title' | 'body'> {
  /** Where the form posts: the act's own path. */
  action: string;
  /** The act's form fields (its CSRF and one-time tokens among them); never a password. */
  fields: Record<string, string>;
  /** Why the last try failed (a wrong password). */
  error?: string;
}

/** The name of the password field: the admin form actions read it before they act. */
export const REAUTH_PASSWORD_FIELD = 'reauthPassword';

export function confirmPasswordPage(view: ConfirmPasswordView): string {
  const hidden = Object.entries(view.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  return layout({
    user: view.user,
    csrf: view.csrf,
    title: 'Confirm your password',
    body: html`<h1>Confirm your password</h1>
<section>
<p>This change needs a recent sign-in. Enter your password and it goes ahead as you sent it.</p>
${view.error ? html`<p class="alert" role="alert">${view.error}</p>` : ''}
<form method="post" action="${view.action}">
${hidden}
<label for="${REAUTH_PASSWORD_FIELD}">Password</label>
<input id="${REAUTH_PASSWORD_FIELD}" name="${REAUTH_PASSWORD_FIELD}" type="password" autocomplete="current-password" required${view.error ? html` aria-invalid="true"` : ''}>
<button type="submit">Confirm and continue</button>
</form>
</section>`,
  });
}
