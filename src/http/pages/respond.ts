/** How the pages answer: an HTML document with the page headers, or a redirect after a form. */
import type { Context } from 'koa';
import { PAGE_HEADERS } from '../../pages/pageHeaders';
import { safeNextPath } from '../../pages/redirects';
import type { SignedIn } from '../signedIn';

/** Answers with an HTML document; error pages (see problemDetails) go out the same way. */
export function sendPage(ctx: Context, status: number, document: string): void {
  ctx.status = status;
  ctx.set(PAGE_HEADERS);
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = document;
}

/** 303 See Other: after a POST the browser GETs the target (RFC 9110 §15.4.4). Only same-origin paths get here. */
export function seeOther(ctx: Context, path: string): void {
  ctx.status = 303;
  ctx.set('Cache-Control', 'no-store');
  ctx.redirect(path);
  ctx.status = 303;
}

/** `path` with one more query parameter. */
export function withParam(path: string, name: string, value: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(value)}`;
}

/** The signed-in session, or null after answering with a redirect to the login page (and back). */
export function signedInOrLogin(ctx: Context): SignedIn | null {
  const { session, user } = ctx.state;
  if (session && user) return { session, user };
  seeOther(ctx, `/login?${new URLSearchParams({ next: safeNextPath(ctx.path + ctx.search) })}`);
  return null;
}
