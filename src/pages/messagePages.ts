/** Short pages that say one thing: a form already sent, a refusal, the store being down. */
import { html } from './html';
import { layout, type PageFrame } from './layout';

/** The answer to a form sent twice (a double click, a resend on a poor network): the first one acted. */
export function alreadyDonePage(back: string, frame: Omit<PageFrame, 'title' | 'body'> = {}): string {
  return layout({
    ...frame,
    title: 'Already done',
    body: html`<h1>Already done</h1>
<section>
<p role="status">This form was already sent, and it acts only once: your first submission is the one that counts.</p>
<p><a href="${back}">Continue</a></p>
</section>`,
  });
}

export function messagePage(title: string, message: string, back: { href: string; label: string }, frame: Omit<PageFrame, 'title' | 'body'> = {}): string {
  return layout({
    ...frame,
    title,
    body: html`<h1>${title}</h1>
<section>
<p>${message}</p>
<p><a href="${back.href}">${back.label}</a></p>
</section>`,
  });
}

/** Redis is unreachable: a friendly page instead of a stack trace; nothing was changed. */
export function unavailablePage(): string {
  return messagePage('Temporarily unavailable', 'The service cannot reach its session store right now, so nothing was changed. Please try again in a moment.', {
    href: '/account',
    label: 'Try again',
  });
}
