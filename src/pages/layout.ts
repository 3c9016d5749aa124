/** The document around every page: head, a small stylesheet, the signed-in bar, the content. */
import { html, unsafeRaw, type Html } from './html';

export interface PageFrame {
  title: string;
  /** The signed-in user, when there is one: shows who you are and a sign-out button. */
  user?: { name: string | null; id: string; roles: string[] } | null;
  /** The session's CSRF token, for the sign-out form and fetch calls (`<meta name="csrf-token">`). */
  csrf?: string | null;
  body: Html;
}

const STYLE = unsafeRaw(`
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #f6f6f4; }
  header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1.5rem; background: #233; color: #fff; }
  header a, header button.link { color: #fff; }
  header .who { margin-left: auto; }
  main { max-width: 60rem; margin: 1.5rem auto; padding: 0 1.5rem; }
  section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 1rem 1.25rem; margin-bottom: 1.25rem; }
  label { display: block; font-weight: 600; margin-top: .6rem; }
  label.inline { display: inline; }
  input[type=text], input[type=password], input[type=search], input[type=datetime-local], textarea { font: inherit; width: 100%; max-width: 28rem; padding: .35rem .5rem; box-sizing: border-box; }
  button { font: inherit; margin-top: .8rem; padding: .35rem .9rem; cursor: pointer; white-space: nowrap; }
  button.link { background: none; border: none; padding: 0; margin: 0; text-decoration: underline; cursor: pointer; }
  .error { color: #a40000; }
  .field-error { color: #a40000; display: block; font-size: .9rem; }
  .notice { background: #eef7ee; border: 1px solid #9c9; padding: .5rem .8rem; border-radius: 4px; }
  .alert { background: #fdeeee; border: 1px solid #d99; padding: .5rem .8rem; border-radius: 4px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e4e4e4; vertical-align: top; font-size: .95rem; }
  .tag { background: #234; color: #fff; border-radius: 3px; padding: 0 .35rem; font-size: .8rem; }
  form.inline { display: inline; }
  form.inline button { margin-top: 0; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`);

export function layout(frame: PageFrame): string {
  const user = frame.user;
  const nav = user
    ? html`<nav aria-label="Main"><a href="/account">Account</a>${user.roles.includes('admin') ? html` · <a href="/admin">Admin</a>` : ''}</nav>
      <span class="who">Signed in as <strong>${user.name ?? user.id}</strong></span>
      <form class="inline" method="post" action="/logout"><input type="hidden" name="_csrf" value="${frame.csrf ?? ''}"><button class="link" type="submit">Sign out</button></form>`
    : html`<nav aria-label="Main"><a href="/login">Log in</a></nav>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${frame.csrf ? html`<meta name="csrf-token" content="${frame.csrf}">` : ''}
<title>${frame.title} · Tessera</title>
<style>${STYLE}</style>
</head>
<body>
<header><strong>Tessera</strong>${nav}</header>
<main>
${frame.body}
</main>
</body>
</html>
`.text;
}

/** Hidden fields every form carries: the session's CSRF token and the form's one-time token. */
export function formTokens(csrf: string | null | undefined, formToken: string): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf ?? ''}"><input type="hidden" name="_form" value="${formToken}">`;
}

/** An error message under a field, tied to it by aria-describedby. */
export function fieldError(id: string, message: string | undefined): Html {
  return message ? html`<span class="field-error" id="${id}-error">${message}</span>` : html``;
}

/** Attributes that mark an input invalid and point at its message. */
export function invalidAttrs(id: string, message: string | undefined): Html {
  return message ? html` aria-invalid="true" aria-describedby="${id}-error"` : html``;
}
