/**
 * The checks behind requireAuth() and requireRole(), framework-free: Koa's guards and the
 * Express and Hono adapters throw the same errors with the same words.
 */
import { ForbiddenError, InvalidTokenError, TesseraArgumentError, UnauthenticatedError, type TesseraError } from '../errors';
import type { ActiveSession } from '../sessions/activeSession';
import type { SessionUser } from '../sessions/types';
import { ROLE } from '../validation/rules';

/**
 * Why a request carries no session: no credentials, credentials that are not a live session, or a
 * live session bound to a key whose proof was missing or refused (the session itself is untouched).
 */
export type AuthFailure = 'missing' | 'invalid' | 'proof';

/** What authenticate() leaves for the guards: session undefined means it never ran. */
export interface AuthOutcome {
  session?: ActiveSession | null;
  user?: SessionUser | null;
  authFailure?: AuthFailure | undefined;
  /** With authFailure 'proof': the answer to give (a DPoP challenge). */
  authError?: TesseraError | undefined;
}

/** Throws at set-up for a role no user can have, so a typo cannot silently lock everyone out. */
export function assertRoleName(role: string): void {
  if (typeof role !== 'string' || !ROLE.test(role)) {
    const lower = typeof role === 'string' ? role.toLowerCase() : '';
    const hint = lower !== role && ROLE.test(lower) ? `; did you mean "${lower}"?` : '.';
    throw new TesseraArgumentError(
      `requireRole(${JSON.stringify(role)}) could never match: a role is 1-32 lower-case letters, digits, "_" or "-", starting with a letter${hint}`,
    );
  }
}

/**
 * The live session and user, or the 401 to answer; `setUp` says how to run authenticate() first,
 * for the error a guard without it throws (`request` names the request).
 */
export function signedInOf(outcome: AuthOutcome, setUp: string, request: string): { session: ActiveSession; user: SessionUser } {
  if (outcome.session && outcome.user) return { session: outcome.session, user: outcome.user };
  if (outcome.session === undefined) {
    throw new Error(
      `Tessera's guards need authenticate() to run first: ${setUp} before the routes that use requireAuth() or requireRole() (request: ${request}).`,
    );
  }
  if (outcome.authError) throw outcome.authError;
  throw outcome.authFailure === 'invalid' ? new InvalidTokenError() : new UnauthenticatedError();
}

/** 403 unless the user has the role. */
export function assertHasRole(user: SessionUser, role: string): void {
  if (!user.roles.includes(role)) throw new ForbiddenError(`This needs the "${role}" role.`);
}
