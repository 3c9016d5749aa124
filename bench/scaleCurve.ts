/**
 * The scale curve: the tessera row's server (the middleware in a bare Koa app, servers/tessera.ts,
 * pinned like the main table) over a small and a large population of live sessions, each on a
 * fresh redis-server with Redis's default configuration, as a managed Redis runs. Every request
 * presents a token drawn at random from the whole population, so the large one is measured with
 * its keyspace, expiry table and CPU caches as a real one would meet them, not through one hot
 * token. Both populations are built first and measured round by round in alternating order, so
 * a shared machine's drift touches both alike; the throughput ratio is the median of the
 * per-round ratios. Each population's Redis memory per session is measured as it is built.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CommandStats } from './commandStats';
import { measureOnce, type MeasuredRun } from './comparison';
import { processCpuSeconds } from './interference';
import { runLoad } from './load';
import type { CpuLayout } from './cpus';
import type { BenchOptions } from './options';
import { buildPopulation, type Population } from './population';
import { startStandalone, type BenchRedis } from './redis';
import { startServerProcess, type ServerProcess } from './serverProcess';
import { median } from './stats';

export interface ScalePoint {
  sessions: number;
  /** Redis used_memory per live session (one user each: user hash, index, tag key and user agent included). */
  bytesPerSession: number;
  keysPerSession: number;
  /** Medians over the rounds. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * Slides per request (the session's PEXPIREAT calls over script calls): a token last slid less than a second ago
   * is not slid again, so a small population, whose tokens come round often, writes less.
   */
  slidesPerRequest: number;
  /** CPU time of the server process per request (user + system, from /proc), µs. */
  serverCpuMicrosPerRequest: number;
  /** CPU time of redis-server per request (user + system, from /proc: the script, the network, the parsing), µs. */
  redisCpuMicrosPerRequest: number;
  runs: MeasuredRun[];
}

export interface ScaleCurve {
  /** The small population, then the large one. */
  points: ScalePoint[];
  /** The large population's req/s over the small one's: the median of the per-round ratios. */
  throughputRatio: number;
}

const KEY_PREFIX = 'bench-scale';

interface Measured {
  sessions: number;
  redis: BenchRedis;
  server: ServerProcess;
  stats: CommandStats;
  population: Population;
  tokenFile: string;
}

export async function measureScaleCurve(options: BenchOptions, cpus: CpuLayout): Promise<ScaleCurve> {
  const built: Measured[] = [];
  // Undone last to first, whether the phase ends or fails half-way.
  const undo: (() => unknown)[] = [];
  try {
    for (const sessions of [options.scaleSmallSessions, options.scaleLargeSessions]) {
      const redis = await startStandalone(cpus.load, { defaults: true });
      undo.push(() => redis.stop());
      const tokenFile = path.join(tmpdir(), `tessera-bench-tokens-${process.pid}-${sessions}.txt`);
      undo.push(() => rmSync(tokenFile, { force: true }));
      const server = await startServerProcess(
        'tessera',
        { redis: redis.target, keyPrefix: KEY_PREFIX, bcryptCost: options.bcryptCost, stormAccounts: 0, port: 0 },
        { cpus: cpus.server },
      );
      undo.push(() => server.stop());
      const startedAt = Date.now();
      const redisCpuBefore = processCpuSeconds(redis.pids[0]);
      const population = await buildPopulation(redis.target, KEY_PREFIX, sessions, tokenFile);
      process.stderr.write(
        `  ${sessions} live sessions written in ${((Date.now() - startedAt) / 1000).toFixed(1)} s ` +
          `(${(processCpuSeconds(redis.pids[0]) - redisCpuBefore).toFixed(1)} s of Redis CPU): ` +
          `${Math.round(population.bytesPerSession)} bytes and ${population.keysPerSession.toFixed(2)} keys each\n`,
      );
      await checkTokens(server, population);
      const stats = new CommandStats(redis.ports);
      undo.push(() => stats.close());
      built.push({ sessions, redis, server, stats, population, tokenFile });
    }
    return await measureRounds(options, cpus, built);
  } finally {
    for (const step of undo.reverse()) await step();
  }
}

async function measureRounds(options: BenchOptions, cpus: CpuLayout, built: Measured[]): Promise<ScaleCurve> {
  const runs: MeasuredRun[][] = built.map(() => []);
  const scripts = built.map(() => ({ slides: 0, calls: 0, serverCpu: 0, redisCpu: 0, requests: 0 }));
  for (let round = 0; round < options.scaleRounds; round++) {
    for (let k = 0; k < built.length; k++) {
      const i = (k + round) % built.length;
      const { server, stats, tokenFile, sessions, redis } = built[i];
      const load = { url: server.url, headers: server.headers, connections: options.connections, cpus: cpus.load, tokenFile };
      if (options.warmupSeconds > 0) await runLoad({ ...load, durationSeconds: options.warmupSeconds });
      const cpuBefore = [processCpuSeconds(server.pid), processCpuSeconds(redis.pids[0])];
      const measured = await measureOnce(server, stats, { ...load, durationSeconds: options.durationSeconds }, 1);
      scripts[i].serverCpu += processCpuSeconds(server.pid) - cpuBefore[0];
      scripts[i].redisCpu += processCpuSeconds(redis.pids[0]) - cpuBefore[1];
      scripts[i].requests += measured.requests;
      if (measured.run.non2xx > 0) throw new Error(`${sessions} live sessions: ${measured.run.non2xx} answers were not 2xx`);
      for (const command of ['evalsha', 'eval']) scripts[i].calls += measured.calls.get(command)?.calls ?? 0;
      scripts[i].slides += measured.calls.get('pexpireat')?.calls ?? 0;
      runs[i].push(measured.run);
      process.stderr.write(
        `  round ${round + 1}/${options.scaleRounds} ${String(sessions).padStart(9)} sessions ${Math.round(measured.run.requestsPerSecond)} req/s  ` +
          `p99 ${measured.run.p99Ms.toFixed(2)} ms  other work ${measured.run.foreignCores.toFixed(2)} cores\n`,
      );
    }
  }
  const points = built.map(({ population }, i) => ({
    sessions: population.sessions,
    bytesPerSession: population.bytesPerSession,
    keysPerSession: population.keysPerSession,
    requestsPerSecond: median(runs[i].map((run) => run.requestsPerSecond)),
    p50Ms: median(runs[i].map((run) => run.p50Ms)),
    p99Ms: median(runs[i].map((run) => run.p99Ms)),
    slidesPerRequest: scripts[i].slides / scripts[i].calls,
    serverCpuMicrosPerRequest: (scripts[i].serverCpu / scripts[i].requests) * 1e6,
    redisCpuMicrosPerRequest: (scripts[i].redisCpu / scripts[i].requests) * 1e6,
    runs: runs[i],
  }));
  const [small, large] = runs;
  return { points, throughputRatio: median(large.map((run, round) => run.requestsPerSecond / small[round].requestsPerSecond)) };
}

/**
 * Cloned tokens must be real ones: a sample of them is presented to the server, which must let
 * each in as its own user, and one of them with its last character changed must be refused.
 */
async function checkTokens(server: ServerProcess, population: Population): Promise<void> {
  for (const { token, userId } of population.sample) {
    const response = await fetch(server.url, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json().catch(() => null)) as { id?: unknown } | null;
    if (response.status !== 200 || body?.id !== userId) {
      throw new Error(`a token of the ${population.sessions}-session population answered ${response.status} ${JSON.stringify(body)}`);
    }
  }
  const genuine = population.sample[0].token;
  const forged = genuine.slice(0, -1) + (genuine.endsWith('A') ? 'B' : 'A');
  const refused = await fetch(server.url, { headers: { authorization: `Bearer ${forged}` } });
  if (refused.status !== 401) throw new Error(`a forged token answered ${refused.status}`);
}
