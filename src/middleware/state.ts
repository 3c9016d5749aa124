/** Types ctx.state for every Koa app that uses Tessera's middleware. */
import type { TesseraError } from '../errors';
import type { ActiveSession } from '../sessions/activeSession';
import type { SessionUser } from '../sessions/types';
import type { AuthFailure } from './guardChecks';

export type { AuthFailure } from './guardChecks';

// `| undefined` where a guard narrows a field to undefined, so apps with exactOptionalPropertyTypes compile.
declare module 'koa' {
  interface DefaultState {
    /** The request's live session, or null. */
    session?: ActiveSession | null;
    /** The user of that session, or null. */
    user?: SessionUser | null;
    /** Set when session is null. */
    authFailure?: AuthFailure | undefined;
    /** With authFailure 'proof': the answer the guards give (a DPoP challenge). */
    authError?: TesseraError | undefined;
    /** How the request's token came: the Authorization header, or the session cookie. */
    credentials?: 'header' | 'cookie' | undefined;
  }
}
