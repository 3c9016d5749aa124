import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { BACKENDS } from '../support/backends';
import { mastersOf } from '../support/redisInspect';
import { newDpopKey, provenLogIn, tamperedSignature } from '../support/dpop';
import { signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';

/**
 * Counts the commands the app's own connections send, with MONITOR on every master. Commands a
 * script runs inside Redis show as coming from "lua" and are not round trips.
 */
async function countAppCommands(observer: Redis | Cluster, connectionName: string, during: () => Promise<void>) {
  const nodes = await mastersOf(observer);
  const appAddresses = new Set<string>();
  for (const node of nodes) {
    const clients = String(await node.client('LIST'));
    for (const line of clients.split('\n')) {
      if (line.includes(` name=${connectionName} `)) appAddresses.add(/addr=(\S+)/.exec(line)![1]);
    }
  }
  expect(appAddresses.size).toBeGreaterThan(0);
  const seen: string[] = [];
  // Other suites share these masters. When their traffic streams in right behind MONITOR's own
  // reply, ioredis can lose track of the connection ("Command queue state error"); such a count is
  // not trusted, and the caller measures again.
  const faults: Error[] = [];
  const monitors = await Promise.all(nodes.map((node) => node.monitor()));
  for (const monitor of monitors) {
    monitor.on('error', (error: Error) => faults.push(error));
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (appAddresses.has(source)) seen.push(String(args[0]).toLowerCase());
    });
  }
  try {
    await during();
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    for (const monitor of monitors) monitor.disconnect();
  }
  return faults.length === 0 ? seen : null;
}

async function countReliably(observer: Redis | Cluster, connectionName: string, during: () => Promise<void>) {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const seen = await countAppCommands(observer, connectionName, during);
    if (seen) return seen;
  }
  throw new Error('MONITOR lost track of its connection three times in a row');
}

describe.each(BACKENDS)('Redis round trips on $name Redis', (backend) => {
  const connectionName = `tessera-app-${randomBytes(4).toString('hex')}`;
  // The service's client is named, so the observer's MONITOR can tell its commands apart.
  const suite = useService(backend, {}, { redisOptions: { connectionName } });
  let observer: Redis | Cluster;

  beforeAll(async () => {
    observer = await backend.connect();
  });
  afterAll(() => observer.quit());

  it('costs exactly one command, the touch script, per authenticated request', async () => {
    const { token } = await signUpAndLogIn(suite.service, 'counted');
    expect((await suite.service.call('GET', '/auth/session', { token })).status).toBe(200);
    const commands = await countReliably(observer, connectionName, async () => {
      for (let i = 0; i < 5; i += 1) expect((await suite.service.call('GET', '/auth/session', { token })).status).toBe(200);
    });
    expect(commands).toEqual(Array(5).fill('evalsha'));
  });

  it('costs exactly one command per request for a DPoP-bound session too: the replay check rides in the touch script', async () => {
    const key = await newDpopKey();
    const { token } = await provenLogIn(suite.service, 'counted-dpop', key);
    const call = async () => {
      const proof = await key.proof({ htm: 'GET', htu: `${suite.service.url}/auth/session`, token });
      return suite.service.call('GET', '/auth/session', { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    };
    expect((await call()).status).toBe(200);
    const commands = await countReliably(observer, connectionName, async () => {
      for (let i = 0; i < 5; i += 1) expect((await call()).status).toBe(200);
    });
    expect(commands).toEqual(Array(5).fill('evalsha'));
  });

  it('costs no Redis command for a DPoP request whose proof fails before the session is read', async () => {
    const key = await newDpopKey();
    const { token } = await provenLogIn(suite.service, 'counted-dpop-refused', key);
    const commands = await countReliably(observer, connectionName, async () => {
      const proof = tamperedSignature(await key.proof({ htm: 'GET', htu: `${suite.service.url}/auth/session`, token }));
      const answer = await suite.service.call('GET', '/auth/session', { headers: { authorization: `DPoP ${token}`, dpop: proof } });
      expect(answer.status).toBe(401);
    });
    expect(commands).toEqual([]);
  });

  it('costs no Redis command at all for a malformed token', async () => {
    const commands = await countReliably(observer, connectionName, async () => {
      expect((await suite.service.call('GET', '/auth/session', { token: 'not-a-tessera-token' })).status).toBe(401);
    });
    expect(commands).toEqual([]);
  });
});
