/**
 * The pages' guards, first in each page route's chain like the API's: a signed-out browser is sent
 * to log in (and back), a signed-in user without the role gets a 403 page. Form posts keep what
 * was typed when the session lapsed, so the form can be sent again after the login.
 */
import type { Context, Middleware } from 'koa';
import { guardOf } from '../../middleware/access';
import { messagePage } from '../../pages/messagePages';
import type { FormActions } from './formAction';
import { sendPage, signedInOrLogin } from './respond';

interface FormGuardOptions {
  /** The page a lapsed form goes back to after the login. */
  back: (ctx: Context) => string;
  /** The fields (never passwords) kept for that page. */
  keep?: (ctx: Context) => Record<string, string>;
  role?: string;
  /** The user's own security acts: refused (403 page) to an impersonation session, as admin forms are. */
  ownerOnly?: boolean;
}

/** A page for any signed-in user; `role` narrows it to users with that role. */
export function signedInPage(role?: string): Middleware {
  return guardOf(role ? { kind: 'role', role } : { kind: 'signed-in' }, async function signedInPage(ctx, next) {
    const signed = signedInOrLogin(ctx);
    if (!signed || !hasRole(ctx, role) || (role && impersonating(ctx))) return;
    await next();
  });
}

/** A signed-in form post; its session lapsed, it goes to log in and back with its text kept. */
export function signedInForm(forms: FormActions, options: FormGuardOptions): Middleware {
  const { back, keep, role, ownerOnly } = options;
  return guardOf(role ? { kind: 'role', role } : { kind: 'signed-in' }, async function signedInForm(ctx, next) {
    if (!ctx.state.session) return forms.lapsed(ctx, back(ctx), keep?.(ctx));
    if (!hasRole(ctx, role) || ((role || ownerOnly) && impersonating(ctx))) return;
    await next();
  });
}

/** Whether the session is an admin's acting as the user; answers 403 with a page when it is. */
function impersonating(ctx: Context): boolean {
  const actor = ctx.state.session?.actor;
  if (!actor) return false;
  sendPage(
    ctx,
    403,
    messagePage(
      'Not while impersonating',
      `${actor.username ?? actor.id} acts as this user here: this is for the user alone.`,
      { href: '/account', label: 'Back to the account' },
      { user: ctx.state.user },
    ),
  );
  return true;
}

/** Whether the signed-in user has `role` (if one is needed); answers 403 with a page when not. */
function hasRole(ctx: Context, role: string | undefined): boolean {
  const user = ctx.state.user;
  if (!role || !user || user.roles.includes(role)) return true;
  sendPage(ctx, 403, messagePage(`Only for ${role}s`, `This page needs the ${role} role.`, { href: '/account', label: 'Back to your account' }, { user }));
  return false;
}
