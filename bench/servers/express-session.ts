/**
 * The usual Express answer: express-session with connect-redis over node-redis, rolling: true so
 * every request slides the session, as Tessera does. The session id travels in a signed cookie.
 */
import { randomBytes } from 'node:crypto';
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { createClient } from 'redis';
import { sessionShape } from '../sessionShape';
import { cookieLogin } from './cookieLogin';
import './expressSessionData';
import { serveMe } from './listen';
import type { StartServer } from './types';

export const start: StartServer = async (setup) => {
  if (setup.redis?.kind !== 'standalone' || !setup.redis.url) throw new Error('express-session needs a standalone Redis URL');
  const client = createClient({ url: setup.redis.url });
  client.on('error', (error: Error) => process.stderr.write(`redis: ${error.message}\n`));
  await client.connect();
  const app = express();
  app.use(
    session({
      store: new RedisStore({ client, prefix: `${setup.keyPrefix}:` }),
      secret: randomBytes(32).toString('hex'),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { maxAge: 30 * 60 * 1000 },
    }),
  );
  app.post('/login', (req, res) => {
    const shape = sessionShape(0);
    req.session.user = { id: shape.userId, roles: shape.roles };
    req.session.device = shape.device;
    req.session.ip = shape.ip;
    req.session.userAgent = shape.userAgent;
    req.session.attributes = shape.attributes;
    res.sendStatus(204);
  });
  app.get('/me', (req, res) => {
    const user = req.session.user;
    if (!user) {
      res.sendStatus(401);
      return;
    }
    res.json({ id: user.id, roles: user.roles });
  });
  return serveMe(
    app,
    setup.port,
    async (server) => ({ cookie: await cookieLogin(server) }),
    () => client.destroy(),
  );
};
