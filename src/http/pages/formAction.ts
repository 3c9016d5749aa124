/**
 * How a page form acts once: every form of a signed-in page carries a one-time form token, spent
 * by the submission that acts; a replay answers "already done", an expired token changes nothing.
 * A form whose session lapsed while it was filled keeps its text in a draft cookie for after the
 * login. Signed-out forms carry a signed token instead, which costs Redis nothing.
 */
import type { Context } from 'koa';
import { csrfTokenOf, formField } from '../../middleware/csrf';
import type { SessionCookie } from '../../middleware/sessionCookie';
import { decodeDraft, encodeDraft, FORM_DRAFT_TTL_SECONDS } from '../../pages/formDraft';
import { alreadyDonePage } from '../../pages/messagePages';
import { safeNextPath } from '../../pages/redirects';
import type { ActiveSession } from '../../sessions/activeSession';
import type { FormScope, FormTokenStore } from '../../store/formTokenStore';
import type { SignedOutFormTokens } from '../../tokens/signedOutFormToken';
import { parseSessionId } from '../../tokens/sessionId';
import { authenticated, type SignedIn } from '../signedIn';
import { seeOther, sendPage, withParam } from './respond';

export class FormActions {
  constructor(
    private readonly formTokens: FormTokenStore,
    private readonly signedOutTokens: SignedOutFormTokens,
    /** A draft is shown only in the browser that typed it, which holds it in this cookie. */
    private readonly draftCookie: SessionCookie,
  ) {}

  /** A fresh form token for a page of `session`. */
  issue(session: ActiveSession): Promise<string> {
    return this.formTokens.issue(scopeOf(session));
  }

  /** A token for the signed-out form this request shows (log in, register): it posts to the same path. */
  issueSignedOut(ctx: Context): Promise<string> {
    return this.signedOutTokens.issue(ctx.path);
  }

  /** Whether a signed-out form's token was issued for this form and is still fresh. */
  checkSignedOut(ctx: Context): Promise<boolean> {
    return this.signedOutTokens.check(formField(ctx, '_form'), ctx.path);
  }

  /**
   * Runs a signed-in form's action once, behind signedInForm(). A replayed form answers "already
   * done"; an expired form token changes nothing and says so, keeping `keep` (never passwords) as
   * a draft the page shows again.
   */
  async run(ctx: Context, back: string, act: (signed: SignedIn) => Promise<void>, keep?: Record<string, string>): Promise<void> {
    const { session, user } = authenticated(ctx);
    const scope = scopeOf(session);
    const spent = await this.formTokens.spend(scope, formField(ctx, '_form'), formTarget(ctx));
    if (spent === 'already-spent') return sendPage(ctx, 200, alreadyDonePage(back, { user, csrf: await csrfTokenOf(session) }));
    if (spent === 'unknown') return seeOther(ctx, this.keepDraft(ctx, withParam(back, 'done', 'form-expired'), keep));
    await this.releasingOnFault(ctx, scope, () => act({ session, user }));
  }

  /**
   * Runs a form's action after its token was spent. When the action fails on our side (Redis
   * faltering half-way), the token is made fresh again, so sending the same form again is not
   * mistaken for a replay. Best effort: if Redis is still down, the token stays spent and the
   * form page must be reloaded.
   */
  private async releasingOnFault(ctx: Context, scope: FormScope, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      await this.formTokens.release(scope, formField(ctx, '_form'), formTarget(ctx)).catch(() => undefined);
      throw error;
    }
  }

  /** Answers a form whose session lapsed while it was filled: to log in, then back to `back` with `keep` shown again. */
  lapsed(ctx: Context, back: string, keep?: Record<string, string>): void {
    const next = this.keepDraft(ctx, back, keep);
    seeOther(ctx, `/login?${new URLSearchParams({ next: safeNextPath(next), reason: 'expired' })}`);
  }

  /** The draft a page was sent back with (`?draft=1`), if its cookie still holds one. */
  draftOf(ctx: Context): Record<string, string> | null {
    return ctx.query.draft === '1' ? decodeDraft(ctx.cookies.get(this.draftCookie.name)) : null;
  }

  /** Read once: the cookie goes as soon as the page has shown it. */
  dropDraft(ctx: Context): void {
    if (ctx.query.draft) this.draftCookie.clear(ctx);
  }

  /** Keeps the form's text (if any, and small enough) in the draft cookie; answers `back`, marked to show it. */
  private keepDraft(ctx: Context, back: string, keep?: Record<string, string>): string {
    if (!keep || Object.values(keep).every((v) => v === '')) return back;
    const value = encodeDraft(keep);
    if (!value) return back;
    this.draftCookie.writeFor(ctx, value, FORM_DRAFT_TTL_SECONDS);
    return withParam(back, 'draft', '1');
  }
}

function scopeOf(session: ActiveSession): FormScope {
  const parts = parseSessionId(session.id);
  // A live session always has a well-formed id; null would mean "signed-out form" and must never be inferred.
  if (!parts) throw new Error(`session id ${JSON.stringify(session.id)} is not well-formed`);
  return { tag: parts.tag, sessionLocalId: parts.localId };
}

/** What a form asks for: its path and the user or session it targets, so one page's forms differ. */
function formTarget(ctx: Context): string {
  return [ctx.path, formField(ctx, 'userId'), formField(ctx, 'sessionId')].join(' ');
}
