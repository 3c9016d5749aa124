/**
 * The whole Tessera service (`startService`, as `npm start` runs it) for the login storm: it
 * registers the storm's accounts and one probe account, and the probe's token authenticates the
 * load on GET /auth/session.
 */
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/env';
import { startService } from '../../src/server/service';
import { connectRedis } from './connectRedis';
import { LISTER, REAL_USER_PREFIX, STORM_PASSWORD, type StartServer } from './types';

const PROBE_USER = 'probe';

export const start: StartServer = async (setup) => {
  if (!setup.redis) throw new Error('the service needs a Redis target');
  const redis = await connectRedis(setup.redis);
  // Request logging at "info" writes a line per request to stdout: on for the comparison, whose
  // process writes stdout to a file; the login storm and the attack keep stdout for progress.
  const config = loadConfig({
    PORT: String(setup.port),
    HOST: '127.0.0.1',
    BCRYPT_COST: String(setup.bcryptCost),
    KEY_PREFIX: setup.keyPrefix,
    LOG_LEVEL: setup.requestLog ? 'info' : 'warn',
    RATE_LIMITS: setup.rateLimits ? 'on' : 'off',
    // The attack's clients name their own addresses, as clients behind one proxy would have them.
    TRUST_PROXY: 'on',
  });
  const service = await startService(config, redis);
  const usernames = [PROBE_USER, `${REAL_USER_PREFIX}0`, ...Array.from({ length: setup.stormAccounts }, (_, i) => `storm-${i}`)];
  await Promise.all(usernames.map((username) => service.accounts.createAccount(username, STORM_PASSWORD)));
  // A full set of sessions (the default cap), made through the session service: no bcrypt needed.
  const lister = await service.accounts.createAccount(LISTER, STORM_PASSWORD);
  let listerToken = '';
  for (let i = 0; i < service.sessions.options.maxSessionsPerUser; i++) {
    const device = { type: `device-${i % 8}`, name: `Lister's device ${i}` };
    listerToken = (await service.sessions.create(lister.id, { device, ip: '192.0.2.9', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) bench' })).token;
  }

  const { port } = service.server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: PROBE_USER, password: STORM_PASSWORD }),
  });
  if (response.status !== 200) throw new Error(`POST /auth/login answered ${response.status}`);
  const { token } = (await response.json()) as { token: string };
  return {
    server: service.server,
    path: '/auth/session',
    headers: { authorization: `Bearer ${token}` },
    extraHeaders: { lister: { authorization: `Bearer ${listerToken}` } },
    async close() {
      await service.close();
      redis.disconnect();
    },
  };
};
