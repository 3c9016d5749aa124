/** The admin JSON API: /admin/*, for users with the admin role only; each route names that guard itself. */
import type Router from '@koa/router';
import { ADMIN_ROLE } from '../../validation/rules';
import type { AdminService } from '../../admin/adminService';
import { ValidationError } from '../../errors';
import { decodeCursor, decodeOffset, encodeCursor, encodeOffset, sessionListCursor } from '../cursor';
import { notImpersonating, requireRole } from '../../middleware/requireAuth';
import { requireRecentAuth } from '../../middleware/requireRecentAuth';
import { readBody, readQuery } from '../requestInput';
import { auditQuerySchema, banSchema, clearThrottleSchema, pageQuerySchema, rolesSchema, sessionPageQuerySchema } from '../schemas';
import { actorOf } from '../signedIn';
import { guardedRouter } from '../guardedRouter';
import type { IdempotencyStore } from '../../store/idempotencyStore';
import { idempotencyKey } from '../idempotencyKey';
import { isoTimes } from '../isoTimes';

/**
 * `reauthAfterSeconds`: every write needs a sign-in (login or POST /auth/reauthenticate) at most
 * this old, or answers the RFC 9470 challenge; 0 lets any live admin session write.
 */
export function adminRoutes(admin: AdminService, idempotency: IdempotencyStore, reauthAfterSeconds: number): Router {
  const router = guardedRouter({ prefix: '/admin' });
  // An admin acting as a user (impersonation) holds the user's roles, never an admin's powers.
  const admins = [requireRole(ADMIN_ROLE), notImpersonating()];
  const recent = reauthAfterSeconds > 0 ? [requireRecentAuth(reauthAfterSeconds)] : [];
  // A retry that replays an answer needs no fresh sign-in: the act it repeats was allowed.
  const write = [idempotencyKey(idempotency, 'session'), ...recent];

  router.get('/users', ...admins, async (ctx) => {
    const { query, cursor, limit } = readQuery(ctx, pageQuerySchema);
    const { users, next } = await admin.searchUsers(query, limit, cursor && decodeCursor(cursor));
    ctx.body = { users, nextCursor: next && encodeCursor(next) };
  });

  router.get('/users/:id', ...admins, async (ctx) => {
    ctx.body = { user: await admin.getUser(ctx.params.id) };
  });

  router.get('/users/:id/sessions', ...admins, async (ctx) => {
    const { cursor, limit } = readQuery(ctx, sessionPageQuerySchema);
    const { sessions, total, nextCursor } = await admin.listSessions(ctx.params.id, { cursor: sessionListCursor(cursor), limit });
    ctx.body = { sessions: sessions.map((s) => isoTimes(s)), total, nextCursor };
  });

  router.post('/users/:id/revoke-sessions', ...admins, ...write, async (ctx) => {
    ctx.body = { revoked: await admin.revokeSessions(actorOf(ctx), ctx.params.id) };
  });

  // No Idempotency-Key: the answer holds a bearer token, and Tessera keeps no token, only hashes.
  // An admin whose session is bound to a DPoP key gets an impersonation bound to the same key.
  router.post('/users/:id/impersonate', ...admins, ...recent, async (ctx) => {
    const metadata = { ip: ctx.ip, userAgent: ctx.get('User-Agent') };
    const { session: own, user: self } = ctx.state;
    const by = { roles: self.roles, sessionId: own.id, boundKey: own.boundKey };
    const { created, user } = await admin.impersonate(actorOf(ctx), by, ctx.params.id, metadata);
    const { token, session } = created;
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 201;
    ctx.body = {
      token,
      tokenType: session.boundKey ? 'DPoP' : 'Bearer',
      expiresAt: session.expiresAt,
      absoluteExpiresAt: session.absoluteExpiresAt,
      session,
      user,
    };
  });

  router.put('/users/:id/roles', ...admins, ...write, async (ctx) => {
    const { roles } = readBody(ctx, rolesSchema);
    ctx.body = { user: await admin.setRoles(actorOf(ctx), ctx.params.id, roles) };
  });

  router.delete('/sessions/:id', ...admins, ...write, async (ctx) => {
    await admin.revokeSession(actorOf(ctx), ctx.params.id);
    ctx.status = 204;
  });

  router.post('/blacklist', ...admins, ...write, async (ctx) => {
    const { userId, reason, until } = readBody(ctx, banSchema);
    ctx.status = 201;
    ctx.body = { entry: await admin.ban(actorOf(ctx), userId, reason, until ?? null) };
  });

  router.get('/blacklist', ...admins, async (ctx) => {
    const { cursor, limit } = readQuery(ctx, pageQuerySchema);
    const { bans, next } = await admin.listBans(limit, decodeOffset(cursor));
    ctx.body = { entries: bans, nextCursor: encodeOffset(next) };
  });

  router.delete('/blacklist/:userId', ...admins, ...write, async (ctx) => {
    await admin.unban(actorOf(ctx), ctx.params.userId);
    ctx.status = 204;
  });

  router.post('/throttles/clear', ...admins, ...write, async (ctx) => {
    ctx.body = { cleared: await admin.clearThrottle(actorOf(ctx), readBody(ctx, clearThrottleSchema)) };
  });

  router.get('/audit', ...admins, async (ctx) => {
    const { cursor, limit, stream } = readQuery(ctx, auditQuerySchema);
    const before = cursor ? decodeCursor(cursor) : undefined;
    if (before !== undefined && !/^\d+-\d+$/.test(before)) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor from this list' }]);
    const { entries, next } = await admin.audit.page(limit, before, stream);
    ctx.body = { entries, nextCursor: next && encodeCursor(next) };
  });

  return router;
}
