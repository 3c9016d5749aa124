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

/** The signed-in user as the actor of an audited act; in an impersonation session, with the admin really acting. */
export function actorOf(ctx: Context): Actor {
  const { session, user } = authenticated(ctx);
  const { actor } = session;
  return { id: user.id, name: user.name, ip: ctx.ip, roles: user.roles, impersonator: actor ? { id: actor.id, name: actor.username } : null };
}
