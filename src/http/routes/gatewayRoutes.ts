/**
 * Endpoints for other servers: GET /auth/verify for nginx `auth_request` and similar gateways,
 * and POST /auth/introspect (RFC 7662) for resource servers.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import { UnsupportedMediaTypeError } from '../../errors';
import { requireAuth } from '../../middleware/requireAuth';
import type { SessionService } from '../../sessions/sessionService';
import { introspectionClient, type IntrospectionClientOptions } from '../introspectionClient';
import { guardedRouter } from '../guardedRouter';
import { validate } from '../requestInput';
import { authenticated } from '../signedIn';
import { introspectionSchema } from '../schemas';

/** The gateway check's path: a DPoP proof sent to it is checked against the request the gateway forwards. */
export const VERIFY_PATH = '/auth/verify';

/** Who may call /auth/introspect besides admin sessions. */
export type GatewayOptions = IntrospectionClientOptions;

export function gatewayRoutes(sessions: SessionService, options: GatewayOptions): Router {
  const router = guardedRouter({ prefix: '/auth' });

  /**
   * 200 with the identity in X-Auth-* headers when the request's token (header or cookie) is a
   * live session, 401 otherwise. authenticate() has already checked and slid it, and a DPoP proof
   * against the original request the gateway forwards (see forwardedRequest). Every header is
   * always sent, empty when unknown: a gateway that copies a header verify left out would pass on
   * its own placeholder text (Caddy) or the client's value.
   */
  router.get('/verify', requireAuth(), (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const { session, user } = authenticated(ctx);
    ctx.set({
      'X-Auth-User-Id': user.id,
      'X-Auth-Session-Id': session.id,
      'X-Auth-Roles': user.roles.join(','),
      'X-Auth-User-Name': user.name ?? '',
      // An impersonation session: the admin acting as the user (empty for the user's own session).
      'X-Auth-Actor-Id': session.actor?.id ?? '',
    });
    ctx.body = '';
  });

  /**
   * RFC 7662 token introspection. The caller proves itself as the introspection client or with
   * an admin session; the token to inspect comes in the form (or JSON) field `token`. Inspecting a
   * live token counts as a use of it and slides its expiry, as any authenticated request does.
   */
  router.post('/introspect', introspectionClient(options), async (ctx) => {
    const { token } = readIntrospection(ctx);
    ctx.set('Cache-Control', 'no-store');
    // The resource server checks a bound token's proof itself, against cnf.jkt (RFC 9449 §6.2).
    const validation = await sessions.validate(token, { anyBinding: true });
    if (!validation) {
      ctx.body = { active: false };
      return;
    }
    const { session, user } = validation;
    ctx.body = {
      active: true,
      token_type: session.boundKey ? 'DPoP' : 'Bearer',
      ...(session.boundKey ? { cnf: { jkt: session.boundKey } } : {}),
      sub: user.id,
      ...(user.name !== null ? { username: user.name } : {}),
      // RFC 7662 §2.2: scope is optional; an empty string would claim a scope list of one empty scope.
      ...(user.roles.length > 0 ? { scope: user.roles.join(' ') } : {}),
      roles: user.roles,
      iat: seconds(session.createdAt),
      exp: seconds(session.expiresAt),
      absolute_exp: seconds(session.absoluteExpiresAt),
      sid: session.id,
      // RFC 8693 §4.1: the admin acting as the user, in an impersonation session.
      ...(session.actor ? { act: { sub: session.actor.id } } : {}),
    };
  });

  return router;
}

function readIntrospection(ctx: Context): z.infer<typeof introspectionSchema> {
  if (ctx.is('application/x-www-form-urlencoded', 'application/json') === false) {
    throw new UnsupportedMediaTypeError(['application/x-www-form-urlencoded', 'application/json']);
  }
  return validate(introspectionSchema, ctx.request.body ?? {});
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
