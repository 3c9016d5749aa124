/**
 * The whole Tessera service (`startService`, as `npm start` runs it) for the login storm: it
 * registers the storm's accounts and one probe account, and the probe's token authenticates the
 * load on GET /auth/session.
 */
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/env';
import { startService } from '../../src/server/service';
import { connectRedis } from './connectRedis';
import { STORM_PASSWORD, type StartServer } from './types';

const PROBE_USER = 'probe';

export const start: StartServer = async (setup) => {
  if (!setup.redis) throw new Error('the service needs a Redis target');
  const redis = await connectRedis(setup.redis);
  // Request logging at "info" writes a line per request to stdout; the bench keeps stdout for its report.
  const config = loadConfig({
    PORT: String(setup.port),
    HOST: '127.0.0.1',
    BCRYPT_COST: String(setup.bcryptCost),
    KEY_PREFIX: setup.keyPrefix,
    LOG_LEVEL: 'warn',
  });
  const service = await startService(config, redis);
  const usernames = [PROBE_USER, ...Array.from({ length: setup.stormAccounts }, (_, i) => `storm-${i}`)];
  await Promise.all(usernames.map((username) => service.accounts.createAccount(username, STORM_PASSWORD)));

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
    async close() {
      await service.close();
      redis.disconnect();
    },
  };
};
