/** /admin: search users, see one user's sessions, ban (with reason and optional end), unban, revoke, the latest audit entries. */
import type { PublicUser } from '../accounts/accountService';
import type { UserOverview } from '../admin/adminService';
import type { AuditEntry } from '../audit/auditLog';
import type { SessionRecord } from '../sessions/types';
import { formAction, type FormSigner } from '../tokens/signedInFormToken';
import { formatTime } from './accountPage';
import { html } from './html';
import { fieldError, formTokens, invalidAttrs, layout } from './layout';
import { pagerLinks, type Pager } from './pager';

export type BanField = 'reason' | 'until';

export interface AdminView {
  user: { id: string; name: string | null; roles: string[] };
  csrf: string;
  /** Signs each form's token for its action. */
  signForm: FormSigner;
  query: string;
  queryError?: string;
  results: PublicUser[] | null;
  selected: { overview: UserOverview; sessions: SessionRecord[]; pager?: Pager } | null;
  audit: AuditEntry[];
  notice?: string;
  /** The ban form's text, kept after an error or a lapsed session. */
  banDraft?: { reason?: string; until?: string };
  banError?: string;
  banFieldErrors?: Partial<Record<BanField, string>>;
}

export function adminPage(view: AdminView): string {
  return layout({
    title: 'Admin',
    user: view.user,
    csrf: view.csrf,
    body: html`<h1>Admin</h1>
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
<section aria-labelledby="search">
<h2 id="search">Find users</h2>
<form method="get" action="/admin" role="search">
  <label for="q">Username starts with</label>
  <input type="search" id="q" name="q" value="${view.query}"${invalidAttrs('q', view.queryError)}>
  ${fieldError('q', view.queryError)}
  <div><button type="submit">Search</button></div>
</form>
${view.results ? resultsTable(view.results, view.query) : ''}
</section>
${view.selected ? selectedUser(view) : ''}
<section aria-labelledby="audit">
<h2 id="audit">Latest audit entries</h2>
${auditTable(view.audit)}
</section>`,
  });
}

function resultsTable(users: PublicUser[], query: string) {
  if (users.length === 0) return html`<p>No user matches “${query}”.</p>`;
  return html`<table>
<thead><tr><th scope="col">Username</th><th scope="col">Roles</th><th scope="col">Created</th></tr></thead>
<tbody>${users.map(
    (u) =>
      html`<tr><td><a href="/admin?user=${encodeURIComponent(u.id)}&amp;q=${encodeURIComponent(query)}">${u.username}</a></td><td>${u.roles.join(', ') || '—'}</td><td>${formatTime(u.createdAt)}</td></tr>`,
  )}</tbody>
</table>`;
}

function selectedUser(view: AdminView) {
  const { overview, sessions, pager } = view.selected!;
  const userId = overview.id;
  const tokens = (path: string, sessionId?: string) => formTokens(view.csrf, view.signForm(formAction(path, { userId, sessionId })));
  const errors = view.banFieldErrors ?? {};
  const hidden = html`<input type="hidden" name="userId" value="${overview.id}">`;
  const banState = overview.ban
    ? html`<p><strong>Banned</strong> ${overview.ban.until ? html`until ${formatTime(overview.ban.until)}` : 'until lifted'}.</p>
<form method="post" action="/admin/do/unban">${tokens('/admin/do/unban')}${hidden}<button type="submit">Unban ${overview.username}</button></form>`
    : html`<h3 id="ban-heading">Ban ${overview.username}</h3>
${view.banError ? html`<p class="alert" role="alert">${view.banError}</p>` : ''}
<form method="post" action="/admin/do/ban" novalidate aria-labelledby="ban-heading">
  ${tokens('/admin/do/ban')}${hidden}
  <label for="reason">Reason</label>
  <textarea id="reason" name="reason" rows="2" required${invalidAttrs('reason', errors.reason)}>${view.banDraft?.reason ?? ''}</textarea>
  ${fieldError('reason', errors.reason)}
  <label for="until">Ends (UTC; leave empty for a ban until lifted)</label>
  <input type="datetime-local" id="until" name="until" value="${view.banDraft?.until ?? ''}"${invalidAttrs('until', errors.until)}>
  ${fieldError('until', errors.until)}
  <div><button type="submit">Ban</button></div>
</form>`;
  return html`<section aria-labelledby="user">
<h2 id="user">User ${overview.username}</h2>
<dl>
  <dt>User id</dt><dd><code>${overview.id}</code></dd>
  <dt>Roles</dt><dd>${overview.roles.join(', ') || 'none'}</dd>
  <dt>Live sessions</dt><dd>${overview.sessionCount}</dd>
</dl>
${banState}
<h3>Sessions</h3>
${
  sessions.length === 0
    ? html`<p>No live sessions.</p>`
    : html`<table>
<thead><tr><th scope="col">Device</th><th scope="col">IP address</th><th scope="col">User agent</th><th scope="col">Last seen</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>${sessions.map(
        (
          s,
        ) => html`<tr><td>${s.device.name ?? s.device.type ?? 'Unnamed device'}</td><td>${s.ip ?? '—'}</td><td>${s.userAgent ?? '—'}</td><td>${formatTime(s.lastSeenAt)}</td>
<td><form class="inline" method="post" action="/admin/do/revoke-session">${tokens('/admin/do/revoke-session', s.id)}${hidden}<input type="hidden" name="sessionId" value="${s.id}"><button type="submit">Revoke</button></form></td></tr>`,
      )}</tbody>
</table>
${pagerLinks(pager)}
<form method="post" action="/admin/do/revoke-all">${tokens('/admin/do/revoke-all')}${hidden}<button type="submit">Revoke all sessions of ${overview.username}</button></form>`
}
</section>`;
}

function auditTable(entries: AuditEntry[]) {
  if (entries.length === 0) return html`<p>No entries yet.</p>`;
  return html`<table>
<thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Actor</th><th scope="col">Target</th><th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead>
<tbody>${entries.map(
    (e) =>
      html`<tr><td>${formatTime(e.time)}</td><td>${e.type}</td><td>${e.actor.name ?? e.actor.id ?? '—'}${e.impersonated ? html` as ${e.impersonated.name ?? e.impersonated.id}` : ''}${e.ip ? html` <small>(${e.ip})</small>` : ''}</td><td>${e.target ?? '—'}</td><td>${e.outcome}</td><td>${e.detail ?? ''}</td></tr>`,
  )}</tbody>
</table>`;
}
