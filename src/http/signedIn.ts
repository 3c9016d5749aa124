/** The signed-in session and user of a request, for handlers behind requireAuth() or a page's own check. */
import type { Context } from 'koa';
import type { Actor } from '../audit/auditLog';
import type { ActiveSession } from '../sessions/activeSession';
import type { SessionUser } from '../sessions/types';

export interface SignedIn {
  session: ActiveSession;
  user: SessionUser;
}

/** The session and user that requireAuth() guarantees. */
export function authenticated(ctx: Context): SignedIn {
  const { session, user } = ctx.state;
  if (!session || !user) throw new Error('authenticated() used on a route without requireAuth()');
  return { session, user };
}

/** The signed-in user as the actor of an audited act. */
export function actorOf(ctx: Context): Actor {
  const { user } = authenticated(ctx);
  return { id: user.id, name: user.name, ip: ctx.ip };
}
