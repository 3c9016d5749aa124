/** The admin JSON API: /admin/*, for users with the admin role only; each route names that guard itself. */
import type Router from '@koa/router';
import { ADMIN_ROLE } from '../../validation/rules';
import type { AdminService } from '../../admin/adminService';
import { ValidationError } from '../../errors';
import { decodeCursor, decodeOffset, encodeCursor, encodeOffset } from '../cursor';
import { requireRole } from '../../middleware/requireAuth';
import { readBody, readQuery } from '../requestInput';
import { auditQuerySchema, banSchema, clearThrottleSchema, pageQuerySchema, rolesSchema, sessionPageQuerySchema } from '../schemas';
import { actorOf } from '../signedIn';
import { guardedRouter } from '../guardedRouter';

export function adminRoutes(admin: AdminService): Router {
  const router = guardedRouter({ prefix: '/admin' });
  const admins = requireRole(ADMIN_ROLE);

  router.get('/users', admins, async (ctx) => {
    const { query, cursor, limit } = readQuery(ctx, pageQuerySchema);
    const { users, next } = await admin.searchUsers(query, limit, cursor && decodeCursor(cursor));
    ctx.body = { users, nextCursor: next && encodeCursor(next) };
  });

  router.get('/users/:id', admins, async (ctx) => {
    ctx.body = { user: await admin.getUser(ctx.params.id) };
  });

  router.get('/users/:id/sessions', admins, async (ctx) => {
    const { cursor, limit } = readQuery(ctx, sessionPageQuerySchema);
    const { sessions, total, nextOffset } = await admin.listSessions(ctx.params.id, { offset: decodeOffset(cursor), limit });
    ctx.body = { sessions, total, nextCursor: encodeOffset(nextOffset) };
  });

  router.post('/users/:id/revoke-sessions', admins, async (ctx) => {
    ctx.body = { revoked: await admin.revokeSessions(actorOf(ctx), ctx.params.id) };
  });

  router.put('/users/:id/roles', admins, async (ctx) => {
    const { roles } = readBody(ctx, rolesSchema);
    ctx.body = { user: await admin.setRoles(actorOf(ctx), ctx.params.id, roles) };
  });

  router.delete('/sessions/:id', admins, async (ctx) => {
    await admin.revokeSession(actorOf(ctx), ctx.params.id);
    ctx.status = 204;
  });

  router.post('/blacklist', admins, async (ctx) => {
    const { userId, reason, until } = readBody(ctx, banSchema);
    ctx.status = 201;
    ctx.body = { entry: await admin.ban(actorOf(ctx), userId, reason, until ?? null) };
  });

  router.get('/blacklist', admins, async (ctx) => {
    const { cursor, limit } = readQuery(ctx, pageQuerySchema);
    const { bans, next } = await admin.listBans(limit, decodeOffset(cursor));
    ctx.body = { entries: bans, nextCursor: encodeOffset(next) };
  });

  router.delete('/blacklist/:userId', admins, async (ctx) => {
    await admin.unban(actorOf(ctx), ctx.params.userId);
    ctx.status = 204;
  });

  router.post('/throttles/clear', admins, async (ctx) => {
    ctx.body = { cleared: await admin.clearThrottle(actorOf(ctx), readBody(ctx, clearThrottleSchema)) };
  });

  router.get('/audit', admins, async (ctx) => {
    const { cursor, limit, stream } = readQuery(ctx, auditQuerySchema);
    const before = cursor ? decodeCursor(cursor) : undefined;
    if (before !== undefined && !/^\d+-\d+$/.test(before)) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor from this list' }]);
    const { entries, next } = await admin.audit.page(limit, before, stream);
    ctx.body = { entries, nextCursor: next && encodeCursor(next) };
  });

  return router;
}
