/**
 * The main table: seven servers answering the same GET /me, each in its own process on the
 * server core, all started up front and measured round by round in an order that rotates each
 * round, so slow drift of a shared machine spreads over all of them; medians are quoted. Around
 * each measured run the bench reads Redis' commandstats and the server's own request count.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { accountCommands, CommandStats, scriptCallSites, type CommandAccount, type CommandCalls } from './commandStats';
import type { CpuLayout } from './cpus';
import { foreignCores, processCpuSeconds, sampleCpu } from './interference';
import { runLoad, type LoadResult, type LoadSpec } from './load';
import type { BenchOptions } from './options';
import type { BenchRedis } from './redis';
import { startServerProcess, type ServerProcess } from './serverProcess';
import { LIMIT_SCRIPT } from './servers/limit';
import type { ServerModule } from './servers/types';
import { median } from './stats';

const TESSERA_LUA = path.join(__dirname, '..', 'src', 'store', 'lua');
/** What one validation runs: touch.lua with the prelude the loader puts before every script. */
const TESSERA_TOUCH = [path.join(TESSERA_LUA, 'prelude.lua'), path.join(TESSERA_LUA, 'touch.lua')];

export type ComparedName = 'bare' | 'jwt' | 'koa-session' | 'express-session' | 'tessera' | 'tessera-cluster' | 'limit' | 'service';

interface Contender {
  name: ComparedName;
  module: ServerModule;
  redis: 'none' | 'standalone' | 'cluster';
  /** Lua the server runs per request, for telling script-internal commands from client commands. */
  scripts: string[];
  description: string;
}

export const CONTENDERS: readonly Contender[] = [
  { name: 'bare', module: 'bare', redis: 'none', scripts: [], description: 'Koa + @koa/router, no auth (ceiling)' },
  { name: 'jwt', module: 'jwt', redis: 'none', scripts: [], description: 'Koa + jose HS256 verify, CryptoKey imported once' },
  { name: 'koa-session', module: 'koa-session', redis: 'standalone', scripts: [], description: 'koa-session + koa-redis, rolling, cookie' },
  { name: 'express-session', module: 'express-session', redis: 'standalone', scripts: [], description: 'express-session + connect-redis, rolling, cookie' },
  { name: 'tessera', module: 'tessera', redis: 'standalone', scripts: TESSERA_TOUCH, description: 'Tessera middleware, bearer token, sliding' },
  { name: 'tessera-cluster', module: 'tessera', redis: 'cluster', scripts: TESSERA_TOUCH, description: 'Tessera against a 3-master Redis Cluster' },
  { name: 'limit', module: 'limit', redis: 'standalone', scripts: [LIMIT_SCRIPT], description: 'Koa + one hand-written EVALSHA (HGETALL + PEXPIRE)' },
  {
    name: 'service',
    module: 'service',
    redis: 'standalone',
    scripts: TESSERA_TOUCH,
    description: 'the whole service (`npm start`): GET /auth/session, JSON body, request log to a file',
  },
];

export interface ComparedRow {
  name: ComparedName;
  description: string;
  /** Medians over the rounds. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Every measured run, in round order. */
  runs: MeasuredRun[];
  /** Redis commands over all measured runs; null for servers without Redis. */
  commands: CommandAccount | null;
}

/**
 * a's figure over b's, round by round, and the median of those ratios. The two runs of a round
 * are half a minute apart at most, so a shared machine's slow phases (other jobs starting and
 * stopping) touch both sides of a ratio alike instead of whichever server they happened to hit.
 */
export function pairedRatio(a: ComparedRow, b: ComparedRow, metric: 'requestsPerSecond' | 'p99Ms' | 'serverCpuMicrosPerRequest'): number {
  return median(a.runs.map((run, round) => run[metric] / b.runs[round][metric]));
}

export interface RedisPair {
  standalone: BenchRedis;
  cluster: BenchRedis;
}

export async function compareServers(options: BenchOptions, cpus: CpuLayout, redis: RedisPair): Promise<ComparedRow[]> {
  const contenders = options.rows ? CONTENDERS.filter((contender) => options.rows?.includes(contender.name)) : CONTENDERS;
  // The service's request log goes where a deployment's would: a file, here one thrown away after.
  const requestLog = path.join(tmpdir(), `tessera-bench-requests-${process.pid}.log`);
  const servers = await Promise.all(
    contenders.map((contender) =>
      startServerProcess(
        contender.module,
        {
          redis: contender.redis === 'none' ? null : redis[contender.redis].target,
          keyPrefix: `bench-${contender.name}`,
          bcryptCost: options.bcryptCost,
          stormAccounts: 0,
          port: 0,
          requestLog: contender.module === 'service',
        },
        { cpus: cpus.server, stdoutFile: contender.module === 'service' ? requestLog : undefined },
      ),
    ),
  );
  try {
    await Promise.all(contenders.map((contender, i) => checkAnswers(contender, servers[i])));
    const stats = {
      standalone: new CommandStats(redis.standalone.ports),
      cluster: new CommandStats(redis.cluster.ports),
    };
    try {
      return await measureRounds(options, cpus, contenders, servers, stats);
    } finally {
      stats.standalone.close();
      stats.cluster.close();
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(requestLog, { force: true });
  }
}

/** A measured run and how much CPU other work on the machine took meanwhile. */
export interface MeasuredRun extends LoadResult {
  /** Cores' worth of CPU used by processes outside the bench during the run (interference.ts). */
  foreignCores: number;
  /** 1, or 2 when the first try was disturbed by other work and the run was measured again. */
  attempt: number;
  /**
   * The server process's own CPU time (user + system, from /proc) per request it received: what
   * a shared machine disturbs least. Microseconds; NaN off Linux.
   */
  serverCpuMicrosPerRequest: number;
}

/** Above this much foreign CPU a run is measured again (once), and the less disturbed try is kept. */
const MAX_FOREIGN_CORES = 0.15;
/** Re-measurements allowed per bench run, so a busy machine cannot stretch it past its time budget. */
const RETRY_BUDGET = 12;

async function measureRounds(
  options: BenchOptions,
  cpus: CpuLayout,
  contenders: readonly Contender[],
  servers: ServerProcess[],
  stats: Record<'standalone' | 'cluster', CommandStats>,
): Promise<ComparedRow[]> {
  const runs: MeasuredRun[][] = contenders.map(() => []);
  const calls: CommandCalls[] = contenders.map(() => new Map());
  const requests: number[] = contenders.map(() => 0);
  let retriesLeft = options.smoke ? 0 : RETRY_BUDGET;
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + round) % contenders.length;
      const contender = contenders[i];
      const server = servers[i];
      const counter = contender.redis === 'none' ? null : stats[contender.redis];
      const load = { url: server.url, headers: server.headers, connections: options.connections, cpus: cpus.load };
      if (options.warmupSeconds > 0) await runLoad({ ...load, durationSeconds: options.warmupSeconds });
      let kept: MeasuredRun | null = null;
      for (let attempt = 1; attempt <= 2; attempt++) {
        const measured = await measureOnce(server, counter, { ...load, durationSeconds: options.durationSeconds }, attempt);
        if (measured.run.non2xx > 0) throw new Error(`${contender.name}: ${measured.run.non2xx} answers were not 2xx`);
        for (const [command, count] of measured.calls) {
          const sum = calls[i].get(command) ?? { calls: 0, usec: 0 };
          calls[i].set(command, { calls: sum.calls + count.calls, usec: sum.usec + count.usec });
        }
        requests[i] += measured.requests;
        if (!kept || measured.run.foreignCores < kept.foreignCores) kept = measured.run;
        process.stderr.write(
          `  round ${round + 1}/${options.rounds} ${contender.name.padEnd(16)} ${Math.round(measured.run.requestsPerSecond)} req/s  ` +
            `p99 ${measured.run.p99Ms.toFixed(2)} ms  other work ${measured.run.foreignCores.toFixed(2)} cores\n`,
        );
        if (measured.run.foreignCores <= MAX_FOREIGN_CORES || retriesLeft === 0) break;
        retriesLeft--;
      }
      runs[i].push(kept!);
    }
  }
  return contenders.map((contender, i) => ({
    name: contender.name,
    description: contender.description,
    requestsPerSecond: median(runs[i].map((r) => r.requestsPerSecond)),
    p50Ms: median(runs[i].map((r) => r.p50Ms)),
    p99Ms: median(runs[i].map((r) => r.p99Ms)),
    runs: runs[i],
    commands:
      contender.redis === 'none' ? null : accountCommands(calls[i], requests[i], scriptCallSites(contender.scripts.map((file) => readFileSync(file, 'utf8')))),
  }));
}

/**
 * One measured load run with what happened around it: Redis commands, requests the server
 * received, and the CPU other work took. The quiet pauses let the previous run's last requests
 * land before the window opens and this run's land before it closes.
 */
export async function measureOnce(
  server: ServerProcess,
  counter: CommandStats | null,
  load: LoadSpec,
  attempt: number,
): Promise<{ run: MeasuredRun; calls: CommandCalls; requests: number }> {
  await sleep(200);
  const before = await counter?.snapshot();
  const receivedBefore = await server.requestsReceived();
  const cpuBefore = sampleCpu();
  const serverCpuBefore = processCpuSeconds(server.pid);
  const result = await runLoad(load);
  const cpuAfter = sampleCpu();
  await sleep(200);
  const after = await counter?.snapshot();
  const receivedAfter = await server.requestsReceived();
  const serverCpuMicrosPerRequest = ((processCpuSeconds(server.pid) - serverCpuBefore) * 1e6) / (receivedAfter - receivedBefore);
  return {
    run: { ...result, foreignCores: foreignCores(cpuBefore, cpuAfter), attempt, serverCpuMicrosPerRequest },
    calls: counter && before && after ? counter.between(before, after) : new Map(),
    requests: receivedAfter - receivedBefore,
  };
}

/** A server that answers its credential with anything but 200 JSON, or lets a stranger in, is broken. */
async function checkAnswers(contender: Contender, server: ServerProcess): Promise<void> {
  const response = await fetch(server.url, { headers: server.headers });
  // GET /me answers the caller's id; the service's GET /auth/session the session and its user.
  const body = (await response.json().catch(() => null)) as { id?: unknown; user?: { id?: unknown } } | null;
  if (response.status !== 200 || typeof (body?.id ?? body?.user?.id) !== 'string') {
    throw new Error(`${contender.name}: GET ${server.url} answered ${response.status} ${JSON.stringify(body)}`);
  }
  if (contender.name === 'bare') return;
  const stranger = await fetch(server.url);
  if (stranger.status !== 401) throw new Error(`${contender.name}: a request without credentials answered ${stranger.status}`);
}
