/** The bench's output: a markdown report on stdout and the same figures as JSON in a file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pairedRatio, type ComparedRow } from './comparison';
import type { CpuLayout } from './cpus';
import type { AbuseResult } from './abuse';
import type { LoginStormResult } from './loginStorm';
import type { MemoryRow } from './memory';
import type { BenchOptions } from './options';
import type { ReplicationRow } from './replicationWrites';
import type { ScaleCurve } from './scaleCurve';
import type { ScalingRow } from './scaling';
import { median } from './stats';
import type { TargetResult } from './targets';
import { dpopCheckTable, type DpopCheckResult } from './dpopPhase';

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  redis: string;
  loadGenerator: string;
  cpus: CpuLayout;
  /** 1-minute load average when the bench started and ended: other work on the machine shows here. */
  loadAverage: { start: number; end: number };
}

export interface BenchReport {
  date: string;
  /** The commit measured, and whether src/ had changes not committed yet (then they were measured too). */
  revision: { commit: string; srcModified: boolean };
  durationSeconds: number;
  machine: Machine;
  options: BenchOptions;
  comparison: ComparedRow[];
  /** tessera's req/s over each server's: the median of the per-round ratios. */
  tesseraRatios: Record<string, number>;
  scaling: ScalingRow[];
  loginStorm: LoginStormResult;
  abuse: AbuseResult;
  memory: MemoryRow[];
  /** null when skipped (--scale-sessions 0). */
  scale: ScaleCurve | null;
  replication: ReplicationRow[];
  /** Server CPU of a DPoP-bound check against an unbound one. */
  dpop: DpopCheckResult;
  targets: TargetResult[];
}

export function tesseraRatios(comparison: ComparedRow[]): Record<string, number> {
  const tessera = comparison.find((row) => row.name === 'tessera');
  return Object.fromEntries(comparison.map((row) => [row.name, tessera ? pairedRatio(tessera, row, 'requestsPerSecond') : Number.NaN]));
}

export function writeJson(report: BenchReport | Pick<BenchReport, 'date' | 'machine' | 'options' | 'comparison'>, file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

/**
 * The report of `--rows`: each row's medians with the spread of its rounds, and each row's
 * per-round ratio to the tessera row when that row ran too.
 */
export function rowsMarkdown(comparison: ComparedRow[], options: BenchOptions): string {
  const n = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const spread = (values: number[], digits = 0) => `${n(Math.min(...values), digits)}–${n(Math.max(...values), digits)}`;
  const tessera = comparison.find((row) => row.name === 'tessera');
  /** Median of the per-round ratios to tessera, with their range and every round's. */
  const perRound = (row: ComparedRow, figure: (run: ComparedRow['runs'][number]) => number, digits: number) => {
    if (!tessera || row === tessera) return '—';
    const ratios = row.runs.map((run, round) => figure(run) / figure(tessera.runs[round]));
    return `${n(median(ratios), digits)}x (${spread(ratios, digits)}: ${ratios.map((ratio) => n(ratio, digits)).join(' ')})`;
  };
  const lines = [
    `${options.rounds} interleaved round(s) of ${options.durationSeconds} s per server after ${options.warmupSeconds} s of warm-up, ` +
      `${options.connections} keep-alive connections; medians, with the lowest and highest round. "Server CPU" is the server ` +
      "process's own CPU time per request it received (/proc), which other work on the machine disturbs least.",
    '',
    "| server | req/s | rounds' req/s | p99 ms | req/s ÷ tessera's, per round | server CPU µs/req | rounds' CPU | CPU ÷ tessera's, per round | other work (cores) |",
    '| --- | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: |',
  ];
  for (const row of comparison) {
    const cpu = row.runs.map((run) => run.serverCpuMicrosPerRequest);
    lines.push(
      `| ${row.name} | ${n(row.requestsPerSecond)} | ${spread(row.runs.map((run) => run.requestsPerSecond))} | ${n(row.p99Ms, 2)} | ` +
        `${perRound(row, (run) => run.requestsPerSecond, 2)} | ${n(median(cpu), 1)} | ${spread(cpu, 1)} | ` +
        `${perRound(row, (run) => run.serverCpuMicrosPerRequest, 2)} | ${n(median(row.runs.map((run) => run.foreignCores)), 2)} |`,
    );
  }
  return lines.join('\n');
}

export function markdown(report: BenchReport): string {
  const { machine, options } = report;
  const lines: string[] = [];
  const n = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  lines.push(
    `Tessera at ${report.revision.commit.slice(0, 7)}${report.revision.srcModified ? ' with uncommitted changes in src/' : ''}, ${report.date}.`,
    `Machine: ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, Redis ${machine.redis}, load by ${machine.loadGenerator}; ` +
      `1-minute load average ${machine.loadAverage.start.toFixed(2)} at the start, ${machine.loadAverage.end.toFixed(2)} at the end.`,
    machine.cpus.pinned
      ? `Pinned with taskset: each server on CPU ${machine.cpus.server}; Redis and the load generator on CPU ${machine.cpus.load}.`
      : 'Not pinned (taskset missing or a single core).',
    `${options.rounds} interleaved round(s) of ${options.durationSeconds} s per server after ${options.warmupSeconds} s of warm-up, ` +
      `${options.connections} keep-alive connections; medians quoted, ratios are medians of the per-round ratios.` +
      `${options.smoke ? ' SMOKE RUN: figures are not meaningful.' : ''}`,
    '',
    '| server | what | req/s | p50 ms | p99 ms | Redis cmds/req (client) | Redis µs/req | tessera ÷ this | other work (cores) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const row of report.comparison) {
    const commands = row.commands ? n(row.commands.clientCommandsPerRequest, 3) : '—';
    const micros = row.commands ? n(row.commands.redisMicrosPerRequest, 1) : '—';
    lines.push(
      `| ${row.name} | ${row.description} | ${n(row.requestsPerSecond)} | ${n(row.p50Ms, 2)} | ${n(row.p99Ms, 2)} | ${commands} | ${micros} | ` +
        `${n(report.tesseraRatios[row.name], 2)}x | ${n(median(row.runs.map((run) => run.foreignCores)), 2)} |`,
    );
  }
  const remeasured = report.comparison.reduce((sum, row) => sum + row.runs.filter((run) => run.attempt > 1).length, 0);
  lines.push(
    '',
    `"Other work" is CPU that processes outside the bench used during a run (median of the rounds); ` +
      `${remeasured} run(s) were measured a second time because other work took more than 0.15 cores, keeping the less disturbed try.`,
  );
  const tessera = report.comparison.find((row) => row.name === 'tessera')?.commands;
  if (tessera) {
    const internal = Object.entries(tessera.perRequest)
      .filter(([command]) => !['evalsha', 'eval'].includes(command))
      .map(([command, perRequest]) => `${command} ${n(perRequest, 3)}`)
      .join(', ');
    lines.push(
      '',
      `Redis commands of tessera over ${n(tessera.requests)} requests (INFO commandstats): EVALSHA+EVAL ${n(tessera.scriptCallsPerRequest, 4)}/request; ` +
        `inside the script ${n(tessera.scriptInternalPerRequest, 3)}/request (${internal}); other client commands: ` +
        `${Object.keys(tessera.otherClientCommands).length ? JSON.stringify(tessera.otherClientCommands) : 'none'}.`,
    );
  }

  lines.push(
    '',
    `**Scaling out** (the whole service, GET /auth/session, with WORKERS=1 and 2 on one Redis, all unpinned; ${options.scalingRounds} interleaved rounds, medians)`,
    '',
    '| WORKERS | req/s | p99 ms | vs 1 worker | other work (cores) |',
    '| ---: | ---: | ---: | ---: | ---: |',
  );
  const single = report.scaling[0]?.requestsPerSecond ?? Number.NaN;
  for (const row of report.scaling) {
    lines.push(
      `| ${row.workers} | ${n(row.requestsPerSecond)} | ${n(row.p99Ms, 2)} | ${n(row.requestsPerSecond / single, 2)}x | ` +
        `${n(median(row.runs.map((run) => run.foreignCores)), 2)} |`,
    );
  }

  const storm = report.loginStorm;
  lines.push(
    '',
    `**Login under load** (the service, bcrypt cost ${storm.bcryptCost}; open-loop probe GET /auth/session at ${storm.probeRatePerSecond} req/s; ` +
      `${options.stormRounds} rounds of ${options.stormProbeSeconds} s, medians; the p99 factor is the median of the per-round factors)`,
    '',
    '| | logins/s | probe p50 ms | probe p99 ms |',
    '| --- | ---: | ---: | ---: |',
    `| without storm | — | ${n(median(storm.quiet.map((run) => run.p50Ms)), 2)} | ${n(storm.quietP99Ms, 2)} |`,
    `| ${storm.stormClients} clients logging in | ${n(storm.loginsPerSecond, 1)} | ${n(median(storm.storm.map((run) => run.p50Ms)), 2)} | ${n(storm.stormP99Ms, 2)} |`,
    '',
    `p99 during the storm: ${n(storm.p99Factor, 2)}x the p99 without it. Other work on the machine: ` +
      `${storm.foreignCores.map((cores) => n(cores, 2)).join(', ')} cores in the rounds.`,
  );

  const abuse = report.abuse;
  const guessed = abuse.guesses.reduce((sum, run) => sum + run.requests, 0);
  const refused = abuse.guesses.reduce((sum, run) => sum + (run.refused ?? 0), 0);
  lines.push(
    '',
    `**Under abuse** (the service with its throttles on, bcrypt cost ${options.bcryptCost}; probe GET /auth/session at ${abuse.probeRatePerSecond} req/s; ` +
      `${options.stormRounds} rounds of ${options.stormProbeSeconds} s, medians)`,
    '',
    "| | real user's login p50 ms | real user's login p99 ms | probe p99 ms |",
    '| --- | ---: | ---: | ---: |',
    `| no attack | ${n(abuse.quietLoginP50Ms, 1)} | ${n(abuse.quietLoginP99Ms, 1)} | ${n(abuse.quietProbeP99Ms, 2)} |`,
    `| ${abuse.attackClients} clients guessing passwords | ${n(abuse.attackLoginP50Ms, 1)} | ${n(abuse.attackLoginP99Ms, 1)} | ${n(abuse.attackProbeP99Ms, 2)} |`,
    '',
    `The attack sent ${n(guessed)} guesses; ${n(refused)} were refused (429 or 503) before any bcrypt work.`,
    '',
    "| | other users' probe p99 ms |",
    '| --- | ---: |',
    `| no listing | ${n(abuse.listingQuietP99Ms, 2)} |`,
    `| ${abuse.listingConnections} connections listing one user's full set of sessions (${n(median(abuse.listed.map((run) => run.requestsPerSecond)))} lists/s) | ${n(abuse.listingP99Ms, 2)} |`,
    '',
    `p99 while listing: ${n(abuse.listingP99Factor, 2)}x the p99 without it. A list took ${n(abuse.listRedisUsec)} µs of Redis ` +
      `(its script) and ${n(abuse.listServiceCpuMs, 2)} ms of the service's CPU (medians of the rounds).`,
  );

  lines.push(
    '',
    "**Redis memory per live session** (used_memory delta / sessions, fresh redis-server with Redis's default configuration)",
    '',
    '| store | sessions | keys/session | bytes/session |',
    '| --- | ---: | ---: | ---: |',
  );
  for (const row of report.memory) {
    lines.push(`| ${row.store} | ${n(row.sessions)} | ${n(row.keysPerSession, 2)} | ${n(row.bytesPerSession)} |`);
  }

  lines.push('', ...scaleLines(report, n));

  lines.push(
    '',
    '**Replication bytes per request** (one token checked back to back by one client; a master with one replica and the repo redis.conf, AOF on; counted, not timed)',
    '',
    '| scenario | checks | checks/s | replication bytes/req | AOF bytes/req | writes/req (replica) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const row of report.replication) {
    lines.push(
      `| ${row.scenario} | ${n(row.checks)} | ${n(row.checksPerSecond)} | ${n(row.replicationBytesPerCheck, 2)} | ${n(row.aofBytesPerCheck, 2)} | ${n(row.writesPerCheck, 3)} |`,
    );
  }

  lines.push(
    '',
    "**DPoP-bound check** (the same Koa app with authenticate(), GET /me as Bearer and as DPoP with a fresh ES256 proof per request from a load process of its own; the server's Node CPU per request, medians of interleaved rounds)",
    '',
    ...dpopCheckTable(report.dpop),
  );

  lines.push('', `**Targets**${options.smoke ? ' (not enforced in smoke mode)' : ''}`, '', '| target | measured | |', '| --- | --- | --- |');
  for (const target of report.targets) lines.push(`| ${target.target} | ${target.measured} | ${target.pass ? 'PASS' : 'MISS'} |`);
  return lines.join('\n');
}

function scaleLines(report: BenchReport, n: (value: number, digits?: number) => string): string[] {
  const { scale, options } = report;
  if (!scale) return ['**Scale curve**: skipped (--scale-sessions 0).'];
  const lines = [
    `**Scale curve** (the tessera row's server, each request a token drawn at random from every live session; a fresh redis-server ` +
      `with Redis's default configuration per population, one user per session, most sessions cloned from real logins; ` +
      `${options.scaleRounds} interleaved round(s) of ${options.durationSeconds} s, medians; the ratio is the median of the per-round ratios)`,
    '',
    '| live sessions | Redis bytes/session | keys/session | req/s | p50 ms | p99 ms | slides/request | server CPU µs/req | Redis CPU µs/req | vs small | other work (cores) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  scale.points.forEach((point, i) => {
    // Two populations: the small one, and the large one measured against it.
    const ratio = i === 0 ? 1 : scale.throughputRatio;
    lines.push(
      `| ${n(point.sessions)} | ${n(point.bytesPerSession)} | ${n(point.keysPerSession, 2)} | ${n(point.requestsPerSecond)} | ${n(point.p50Ms, 2)} | ` +
        `${n(point.p99Ms, 2)} | ${n(point.slidesPerRequest, 3)} | ${n(point.serverCpuMicrosPerRequest, 1)} | ${n(point.redisCpuMicrosPerRequest, 1)} | ${n(ratio, 2)}x | ${n(median(point.runs.map((run) => run.foreignCores)), 2)} |`,
    );
  });
  return lines;
}
