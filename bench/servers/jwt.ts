/**
 * Stateless tokens, in their fair form: Koa verifying an HS256 JWT per request with jose, the
 * key imported once as a CryptoKey (importing it per request would be a straw man).
 */
import { randomBytes, webcrypto } from 'node:crypto';
import Router from '@koa/router';
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';
import Koa from 'koa';
import { sessionShape } from '../sessionShape';
import { serveMe } from './listen';
import type { StartServer } from './types';

interface JwtState {
  claims?: JWTPayload & { roles?: string[] };
}

const BEARER = 'Bearer ';

export const start: StartServer = async (setup) => {
  const key = await webcrypto.subtle.importKey('raw', randomBytes(32), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  const app = new Koa<JwtState>();
  const router = new Router<JwtState>();
  app.use(async function verifyJwt(ctx, next) {
    const header = ctx.get('Authorization');
    if (!header.startsWith(BEARER)) ctx.throw(401);
    try {
      ctx.state.claims = (await jwtVerify(header.slice(BEARER.length), key, { algorithms: ['HS256'] })).payload;
    } catch {
      ctx.throw(401);
    }
    await next();
  });
  router.get('/me', (ctx) => {
    ctx.body = { id: ctx.state.claims?.sub, roles: ctx.state.claims?.roles ?? [] };
  });
  app.use(router.routes());

  const user = sessionShape(0);
  const token = await new SignJWT({ roles: user.roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user.userId)
    .setIssuedAt()
    .setExpirationTime('30m')
    .sign(key);
  return serveMe(app.callback(), setup.port, () => ({ authorization: `Bearer ${token}` }));
};
