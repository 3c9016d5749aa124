/**
 * `npm run chaos`: kills a Redis master under authenticated load and prints what clients saw.
 * Two variants: a 3-master, 3-replica Cluster and a Sentinel-watched master with one replica,
 * each with DURABLE_REPLICAS=1. The service runs as `npm start` does, in its own process; load
 * mixes live and revoked tokens and logs live ones out. `--smoke` runs both briefly (the test suite
 * does, so the tool cannot rot); `--only=cluster` or `--only=sentinel` runs one. Exits 1 when a
 * client got a 500, no answer, or a revoked token accepted.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedisCluster, type RedisProcess } from '../../test/support/redisServer';
import { roleOf, startSentinelSetup, waitForReplicas, withNode } from '../../test/support/replication';
import { onTeardown, teardown, teardownOnExit } from '../teardown';
import { ChaosLoad } from './load';
import { summarize, table, type ChaosResult } from './report';
import { startChaosService } from './service';

interface Settings {
  users: number;
  workers: number;
  warmupMs: number;
  /** Full service is back once no token check got 503 for this long after the last one did. */
  settleMs: number;
  maxAfterKillMs: number;
}

const FULL: Settings = { users: 60, workers: 16, warmupMs: 5000, settleMs: 5000, maxAfterKillMs: 90_000 };
const SMOKE: Settings = { users: 6, workers: 4, warmupMs: 1000, settleMs: 1500, maxAfterKillMs: 30_000 };

/** A Redis deployment under test: the service's settings for it, a way to let replicas catch up, and the kill. */
interface Deployment {
  env: Record<string, string>;
  inSync(): Promise<void>;
  killMaster(): Promise<void>;
  /** Starts the killed node again; it rejoins as a replica of the master that replaced it. */
  reviveKilled(): Promise<void>;
  stop(): Promise<void>;
}

const VARIANTS: Record<string, () => Promise<Deployment>> = {
  async cluster() {
    const cluster = await startRedisCluster(3, 1);
    const stop = onTeardown(() => cluster.destroy());
    let killed: RedisProcess | null = null;
    /** Masters, the one holding the most keys (so the most users) first. */
    const masters = async () => {
      const roles = await Promise.all(cluster.servers.map((server) => roleOf(server.port)));
      const up = cluster.servers.filter((_, i) => roles[i] === 'master');
      const sizes = await Promise.all(up.map((server) => withNode(server.port, (node) => node.dbsize())));
      return up
        .map((server, i) => ({ server, size: sizes[i] }))
        .sort((a, b) => b.size - a.size)
        .map(({ server }) => server);
    };
    return {
      env: { REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(','), DURABLE_REPLICAS: '1' },
      inSync: async () => void (await Promise.all((await masters()).map((master) => waitForReplicas(master.port, 1)))),
      async killMaster() {
        killed = (await masters())[0];
        await killed.stop('SIGKILL');
      },
      reviveKilled: async () => killed?.restart(),
      stop,
    };
  },
  async sentinel() {
    const setup = await startSentinelSetup();
    const stop = onTeardown(() => setup.destroy());
    let killed: RedisProcess | null = null;
    return {
      env: { REDIS_SENTINELS: setup.sentinels.map((s) => `${s.host}:${s.port}`).join(','), REDIS_SENTINEL_MASTER: setup.masterName },
      inSync: async () => waitForReplicas((await setup.master()).port, 1),
      async killMaster() {
        killed = await setup.master();
        await killed.stop('SIGKILL');
      },
      reviveKilled: async () => killed?.restart(),
      stop,
    };
  },
};

async function until(timeoutMs: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(250);
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function call(url: string, method: string, path: string, body?: unknown, token?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** Users with two sessions each: one stays live, the other is logged out (and confirmed) before the load. */
async function seed(url: string, users: number): Promise<{ live: string[]; revoked: string[] }> {
  const live: string[] = [];
  const revoked: string[] = [];
  for (let i = 0; i < users; i++) {
    const credentials = { username: `chaos-${i}`, password: 'chaos horse battery' };
    const registered = await call(url, 'POST', '/auth/register', credentials);
    if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);
    const [first, second] = await Promise.all(
      [0, 1].map(async () => {
        const login = await call(url, 'POST', '/auth/login', credentials);
        if (login.status !== 200) throw new Error(`login answered ${login.status}`);
        return ((await login.json()) as { token: string }).token;
      }),
    );
    // A client repeats a logout answered 503 (a replica slow to confirm on a busy machine).
    let logout = await call(url, 'POST', '/auth/logout', undefined, second);
    for (let attempt = 1; logout.status === 503 && attempt < 10; attempt++) {
      await sleep(500);
      logout = await call(url, 'POST', '/auth/logout', undefined, second);
    }
    // 401 to a repeat: the first attempt took effect, the token is already refused.
    if (logout.status !== 204 && logout.status !== 401) throw new Error(`logout answered ${logout.status}`);
    live.push(first);
    revoked.push(second);
  }
  return { live, revoked };
}

async function runVariant(name: string, settings: Settings): Promise<ChaosResult> {
  progress(`\n== ${name}: starting Redis`);
  const deployment = await VARIANTS[name]();
  // Replicas of a new deployment may still be in their first sync, and could confirm nothing yet.
  await deployment.inSync();
  const service = await startChaosService({ ...deployment.env, DURABLE_TIMEOUT: '500ms' });
  progress(`== ${name}: ${settings.users} users, each with a live and a revoked session`);
  const { live, revoked } = await seed(service.url, settings.users);
  // A login is not confirmed by replicas (a fail-over may lose one); let them catch up so a refused live token means a real loss.
  await deployment.inSync();
  const load = new ChaosLoad({ url: service.url, workers: settings.workers, logoutShare: 0.02, timeoutMs: 10_000 }, live, revoked);
  load.start();
  await sleep(settings.warmupMs);
  progress(`== ${name}: killing a master under load`);
  const killedAt = Date.now();
  await deployment.killMaster();
  await until(settings.maxAfterKillMs, () => {
    const last503 = load.answers.filter((a) => a.kind !== 'logout' && a.status === 503 && a.doneAt >= killedAt).at(-1);
    return Date.now() - (last503?.doneAt ?? killedAt) >= Math.max(settings.settleMs, last503 ? 0 : 10_000);
  });
  // Logouts on the promoted master wait for a replica to confirm them: bring the old master back as one.
  progress(`== ${name}: token checks served again; restarting the killed master`);
  const revivedAt = Date.now();
  await deployment.reviveKilled();
  await until(
    settings.maxAfterKillMs,
    () => load.pendingLogouts === 0 && load.answers.some((a) => a.kind === 'logout' && a.status === 204 && a.sentAt > revivedAt),
  );
  await load.stop();
  const acceptedAtEnd = await load.recheckRevoked();
  await service.stop();
  await deployment.stop();
  return summarize(name, load.answers, killedAt, revivedAt, acceptedAtEnd);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const only = args.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
  if (only && !(only in VARIANTS)) throw new Error(`--only takes ${Object.keys(VARIANTS).join(' or ')}`);
  teardownOnExit();
  process.chdir(path.join(__dirname, '..', '..'));
  const loadAtStart = loadavg()[0];
  const results: ChaosResult[] = [];
  for (const name of only ? [only] : Object.keys(VARIANTS)) results.push(await runVariant(name, smoke ? SMOKE : FULL));
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  process.stdout.write(
    `\nChaos run${smoke ? ' (smoke)' : ''} at ${commit}, ${new Date().toISOString()}; load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end\n\n${table(results)}\n`,
  );
  const failed = results.filter((r) => (r.byStatus['500'] ?? 0) > 0 || r.unanswered > 0 || r.revokedAccepted > 0);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  async (code) => {
    await teardown();
    process.exit(code);
  },
  async (error: unknown) => {
    progress(`chaos failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await teardown();
    process.exit(1);
  },
);
