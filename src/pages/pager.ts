/** Links between the pages of a paged list (a user's sessions), so no page shows more than one page's worth. */
import { html, type Html } from './html';

export interface Pager {
  /** 1-based page shown. */
  page: number;
  /** Whether a later page exists. */
  hasNext: boolean;
  /** Items in the whole list. */
  total: number;
  /** The page's address for a page number, e.g. `/account?page=2`. */
  href(page: number): string;
}

export function pagerLinks(pager: Pager | undefined): Html | '' {
  if (!pager || (pager.page === 1 && !pager.hasNext)) return '';
  return html`<nav class="pager" aria-label="Pages of sessions">
${pager.page > 1 ? html`<a href="${pager.href(pager.page - 1)}" rel="prev">Previous page</a>` : ''}
<span>Page ${String(pager.page)} (${String(pager.total)} sessions)</span>
${pager.hasNext ? html`<a href="${pager.href(pager.page + 1)}" rel="next">Next page</a>` : ''}
</nav>`;
}

/** The `page` query parameter: a whole number from 1, else 1. */
export function pageNumberOf(query: unknown): number {
  const page = typeof query === 'string' && /^\d{1,6}$/.test(query) ? Number(query) : 1;
  return Math.max(1, page);
}
