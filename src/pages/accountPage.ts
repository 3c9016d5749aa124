/** /account: who you are, your devices (each live session, this one marked) and a change-password form. */
import type { SessionRecord } from '../sessions/types';
import { formAction, type FormSigner } from '../tokens/signedInFormToken';
import { html } from './html';
import { pagerLinks, type Pager } from './pager';
import { fieldError, formTokens, invalidAttrs, layout } from './layout';

export type PasswordField = 'currentPassword' | 'newPassword' | 'newPasswordAgain';

export interface AccountView {
  user: { id: string; name: string | null; roles: string[] };
  sessions: (SessionRecord & { current: boolean })[];
  /** Which page of the sessions this is, when there is more than one. */
  pager?: Pager;
  csrf: string;
  /** Signs each form's token for its action. */
  signForm: FormSigner;
  notice?: string;
  passwordError?: string;
  passwordFieldErrors?: Partial<Record<PasswordField, string>>;
}

export function accountPage(view: AccountView): string {
  const { user } = view;
  const errors = view.passwordFieldErrors ?? {};
  const others = view.sessions.filter((s) => !s.current).length;
  const rows = view.sessions.map(
    (s) => html`<tr>
  <td>${s.device.name ?? s.device.type ?? 'Unnamed device'}${s.current ? html` <span class="tag">this device</span>` : ''}${s.actor ? html` <span class="tag">opened by admin ${s.actor.username ?? s.actor.id}</span>` : ''}</td>
  <td>${s.ip ?? '—'}</td>
  <td>${s.userAgent ?? '—'}</td>
  <td><time datetime="${s.lastSeenAt.toISOString()}">${formatTime(s.lastSeenAt)}</time></td>
  <td>${s.rememberedUntil ? html`until <time datetime="${s.rememberedUntil.toISOString()}">${formatTime(s.rememberedUntil)}</time>` : 'no'}</td>
  <td><form class="inline" method="post" action="/account/sessions/${s.id}/revoke">${formTokens(view.csrf, view.signForm(formAction(`/account/sessions/${s.id}/revoke`)))}<button type="submit" aria-label="Sign out ${s.device.name ?? 'this session'}${s.current ? ' (this device)' : ''}">Sign out</button></form></td>
</tr>`,
  );
  return layout({
    title: 'Your account',
    user,
    csrf: view.csrf,
    body: html`<h1>Your account</h1>
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
<section aria-labelledby="who">
<h2 id="who">Who you are</h2>
<dl>
  <dt>Username</dt><dd>${user.name ?? '—'}</dd>
  <dt>User id</dt><dd><code>${user.id}</code></dd>
  <dt>Roles</dt><dd>${user.roles.length ? user.roles.join(', ') : 'none'}</dd>
</dl>
</section>
<section aria-labelledby="devices">
<h2 id="devices">Your devices</h2>
<table>
<caption class="visually-hidden">Every live session of your account</caption>
<thead><tr><th scope="col">Device</th><th scope="col">IP address</th><th scope="col">User agent</th><th scope="col">Last seen</th><th scope="col">Kept signed in</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${pagerLinks(view.pager)}
<form method="post" action="/account/sign-out-others">
  ${formTokens(view.csrf, view.signForm(formAction('/account/sign-out-others')))}
  <button type="submit"${others === 0 ? ' disabled' : ''}>Sign out everywhere else</button>
</form>
</section>
<section aria-labelledby="password">
<h2 id="password">Change password</h2>
<p>Changing your password signs out every other device.</p>
${view.passwordError ? html`<p class="alert" role="alert">${view.passwordError}</p>` : ''}
<form method="post" action="/account/password" novalidate>
  ${formTokens(view.csrf, view.signForm(formAction('/account/password')))}
  <label for="currentPassword">Current password</label>
  <input type="password" id="currentPassword" name="currentPassword" autocomplete="current-password" required${invalidAttrs('currentPassword', errors.currentPassword)}>
  ${fieldError('currentPassword', errors.currentPassword)}
  <label for="newPassword">New password</label>
  <input type="password" id="newPassword" name="newPassword" autocomplete="new-password" required${invalidAttrs('newPassword', errors.newPassword)}>
  ${fieldError('newPassword', errors.newPassword)}
  <label for="newPasswordAgain">New password, again</label>
  <input type="password" id="newPasswordAgain" name="newPasswordAgain" autocomplete="new-password" required${invalidAttrs('newPasswordAgain', errors.newPasswordAgain)}>
  ${fieldError('newPasswordAgain', errors.newPasswordAgain)}
  <div><button type="submit">Change password</button></div>
</form>
</section>`,
  });
}

/** ISO-like, in UTC, to the minute: the same on every server, readable without scripts. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
