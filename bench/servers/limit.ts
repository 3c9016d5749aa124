/**
 * The floor of Tessera's design: Koa and ioredis with one hand-written EVALSHA (HGETALL +
 * PEXPIRE, limit.lua) and nothing else: no secret check, no user record, no revocation, no index.
 * The session hash holds the same fields as Tessera's, so the reply is as large.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import { sessionShape } from '../sessionShape';
import { connectRedis } from './connectRedis';
import { serveMe } from './listen';
import type { StartServer } from './types';

export const LIMIT_SCRIPT = path.join(__dirname, 'limit.lua');
const IDLE_TIMEOUT_MS = 30 * 60 * 1000;
const BEARER = 'Bearer ';

export const start: StartServer = async (setup) => {
  if (!setup.redis) throw new Error('limit needs a Redis target');
  const redis = await connectRedis(setup.redis);
  const sha = String(await redis.script('LOAD', readFileSync(LIMIT_SCRIPT, 'utf8')));

  const token = randomBytes(24).toString('base64url');
  const shape = sessionShape(0);
  const now = Date.now();
  const sessionKey = (id: string) => `${setup.keyPrefix}:s:${id}`;
  await redis.hset(sessionKey(token), {
    u: shape.userId,
    r: shape.roles.join(','),
    h: randomBytes(32).toString('base64url'),
    c: now,
    l: now,
    a: now + 7 * 24 * 3600 * 1000,
    dt: shape.device.type,
    dn: shape.device.name,
    ip: shape.ip,
    ua: shape.userAgent,
    'x:locale': JSON.stringify(shape.attributes.locale),
    'x:lastProject': JSON.stringify(shape.attributes.lastProject),
  });
  await redis.pexpire(sessionKey(token), IDLE_TIMEOUT_MS);

  const app = new Koa();
  const router = new Router();
  router.get('/me', async (ctx) => {
    const header = ctx.get('Authorization');
    if (!header.startsWith(BEARER)) ctx.throw(401);
    const fields = (await redis.evalsha(sha, 1, sessionKey(header.slice(BEARER.length)), IDLE_TIMEOUT_MS)) as string[];
    if (fields.length === 0) ctx.throw(401);
    let id = '';
    let roles = '';
    for (let i = 0; i < fields.length; i += 2) {
      if (fields[i] === 'u') id = fields[i + 1];
      else if (fields[i] === 'r') roles = fields[i + 1];
    }
    ctx.body = { id, roles: roles ? roles.split(',') : [] };
  });
  app.use(router.routes());
  return serveMe(
    app.callback(),
    setup.port,
    () => ({ authorization: `Bearer ${token}` }),
    () => redis.disconnect(),
  );
};
