/**
 * How a page form acts once: every form of a signed-in page carries a token signed for its
 * session and action, spent by the submission that acts (the only write: a view writes nothing);
 * a replay answers "already done", an expired or foreign token changes nothing. A form whose
 * session lapsed while it was filled keeps its text in a draft cookie for after the login.
 * Signed-out forms carry a signed token too, which is never spent.
 */
import type { Context } from 'koa';
import { csrfTokenOf, formField } from '../../middleware/csrf';
import type { SessionCookie } from '../../middleware/sessionCookie';
import { decodeDraft, encodeDraft, FORM_DRAFT_TTL_SECONDS } from '../../pages/formDraft';
import { alreadyDonePage } from '../../pages/messagePages';
import { safeNextPath } from '../../pages/redirects';
import type { ActiveSession } from '../../sessions/activeSession';
import type { FormScope, FormTokenStore } from '../../store/formTokenStore';
import { parseSessionId } from '../../tokens/sessionId';
import { formAction, type FormSigner, type SignedInFormTokens } from '../../tokens/signedInFormToken';
import type { SignedOutFormTokens } from '../../tokens/signedOutFormToken';
import { authenticated, type SignedIn } from '../signedIn';
import { seeOther, sendPage, withParam } from './respond';

export class FormActions {
  constructor(
    private readonly spentTokens: FormTokenStore,
    private readonly signedInTokens: SignedInFormTokens,
    private readonly signedOutTokens: SignedOutFormTokens,
    /** A draft is shown only in the browser that typed it, which holds it in this cookie. */
    private readonly draftCookie: SessionCookie,
  ) {}

  /** Signs the forms of a page of `session`: each form's token names its action (see formAction). */
  signer(session: ActiveSession): Promise<FormSigner> {
    return this.signedInTokens.signer(session.id);
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
   * done"; an expired form token, or one signed for another session or form, changes nothing and
   * says so, keeping `keep` (never passwords) as a draft the page shows again.
   */
  async run(ctx: Context, back: string, act: (signed: SignedIn) => Promise<void>, keep?: Record<string, string>): Promise<void> {
    const { session, user } = authenticated(ctx);
    const token = await this.signedInTokens.check(formField(ctx, '_form'), session.id, formActionOf(ctx));
    if (!token) return seeOther(ctx, this.keepDraft(ctx, withParam(back, 'done', 'form-expired'), keep));
    const scope = scopeOf(session);
    const spent = await this.spentTokens.spend(scope, token.id, token.expiresAtMs);
    if (spent === 'already-spent') return sendPage(ctx, 200, alreadyDonePage(back, { user, csrf: await csrfTokenOf(session) }));
    await this.releasingOnFault(scope, token.id, () => act({ session, user }));
  }

  /**
   * Runs a form's action after its token was spent. When the action fails on our side (Redis
   * faltering half-way), the token is made fresh again, so sending the same form again is not
   * mistaken for a replay. Best effort: if Redis is still down, the token stays spent and the
   * form page must be reloaded.
   */
  private async releasingOnFault(scope: FormScope, tokenId: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      await this.spentTokens.release(scope, tokenId).catch(() => undefined);
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
  return { tag: parts.tag };
}

/** What the submitted form asks for: its path and the user or session it targets. */
function formActionOf(ctx: Context): string {
  return formAction(ctx.path, { userId: formField(ctx, 'userId'), sessionId: formField(ctx, 'sessionId') });
}
