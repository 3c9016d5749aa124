/**
 * Endpoints for other servers: GET /auth/verify for nginx `auth_request` and similar gateways,
 * and POST /auth/introspect (RFC 7662) for resource servers.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { ADMIN_ROLE } from '../../validation/rules';
import { IntrospectionUnauthorizedError, InvalidTokenError, UnauthenticatedError, UnsupportedMediaTypeError } from '../../errors';
import { readBearerToken } from '../../middleware/bearerToken';
import type { SessionService } from '../../sessions/sessionService';
import { validate } from '../requestInput';

export interface GatewayOptions {
  /** Secret a resource server sends as `Authorization: Bearer <credential>` to call /auth/introspect; null: admin sessions only. */
  introspectCredential: string | null;
}

const introspectionSchema = z.object({
  token: z.string({ error: 'is required' }).min(1, 'is required').max(512, 'must be at most 512 characters'),
  token_type_hint: z.string().max(64).optional(),
});

export function gatewayRoutes(sessions: SessionService, options: GatewayOptions): Router {
  const router = new Router({ prefix: '/auth' });
  const credentialDigest = options.introspectCredential === null ? null : sha256(options.introspectCredential);

  /**
   * 200 with the identity in X-Auth-* headers when the request's token (header or cookie) is a
   * live session, 401 otherwise. authenticate() has already checked and slid it.
   */
  router.get('/verify', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const { session, user } = ctx.state;
    if (!session || !user) throw ctx.state.authFailure === 'invalid' ? new InvalidTokenError() : new UnauthenticatedError();
    ctx.set({ 'X-Auth-User-Id': user.id, 'X-Auth-Session-Id': session.id, 'X-Auth-Roles': user.roles.join(',') });
    if (user.name) ctx.set('X-Auth-User-Name', user.name);
    ctx.body = '';
  });

  /**
   * RFC 7662 token introspection. The caller proves itself with the service credential or an
   * admin session; the token to inspect comes in the form (or JSON) field `token`. Inspecting a
   * live token counts as a use of it and slides its expiry, as any authenticated request does.
   */
  router.post('/introspect', async (ctx) => {
    if (!isServiceCaller(ctx, credentialDigest) && !ctx.state.user?.roles.includes(ADMIN_ROLE)) {
      throw new IntrospectionUnauthorizedError();
    }
    const { token } = readIntrospection(ctx);
    ctx.set('Cache-Control', 'no-store');
    const validation = await sessions.validate(token);
    if (!validation) {
      ctx.body = { active: false };
      return;
    }
    const { session, user } = validation;
    ctx.body = {
      active: true,
      token_type: 'Bearer',
      sub: user.id,
      username: user.name,
      scope: user.roles.join(' '),
      roles: user.roles,
      iat: seconds(session.createdAt),
      exp: seconds(session.expiresAt),
      absolute_exp: seconds(session.absoluteExpiresAt),
      sid: session.id,
    };
  });

  return router;
}

function isServiceCaller(ctx: Context, credentialDigest: Buffer | null): boolean {
  const presented = readBearerToken(ctx);
  return credentialDigest !== null && !!presented && timingSafeEqual(sha256(presented), credentialDigest);
}

function readIntrospection(ctx: Context): z.infer<typeof introspectionSchema> {
  if (ctx.is('application/x-www-form-urlencoded', 'application/json') === false) {
    throw new UnsupportedMediaTypeError(['application/x-www-form-urlencoded', 'application/json']);
  }
  return validate(introspectionSchema, ctx.request.body ?? {});
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
