/**
 * `npm run bench`: Tessera against the usual ways to authenticate a Koa or Express request, on
 * this machine, with its own Redis. Phases: the server comparison (main table), scaling out,
 * login under load, Redis memory per session, the scale curve (throughput with a million live
 * sessions), writes to replicas per check, the CPU of a DPoP-bound check; then the targets. Prints a markdown report and
 * writes the figures as JSON. `--smoke` runs every phase briefly to prove nothing rotted; it
 * exits 0 when everything ran, whatever the figures. A full run also exits non-zero on a MISS.
 * `--rows a,b` runs only those rows of the comparison, side by side, and reports their ratios.
 * Everything it starts is stopped at the end, on failure and on Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg, cpus as osCpus } from 'node:os';
import path from 'node:path';
import { compareServers } from './comparison';
import { cpuLayout } from './cpus';
import { measureAbuse } from './abuse';
import { measureDpopInChild } from './dpopPhase';
import { measureLoginStorm } from './loginStorm';
import { measureMemory } from './memory';
import { parseBenchOptions } from './options';
import { startCluster, startStandalone } from './redis';
import { markdown, rowsMarkdown, tesseraRatios, writeJson, type BenchReport, type Machine } from './report';
import { measureReplicationWrites } from './replicationWrites';
import { measureScaleCurve, type ScaleCurve } from './scaleCurve';
import { measureScaling } from './scaling';
import { evaluateTargets } from './targets';
import { teardown, teardownOnExit } from './teardown';

const REPO_ROOT = path.join(__dirname, '..');

/** First line a command prints, whatever its exit code (wrk exits 1 after printing its version), or 'absent' when it is not installed. */
function firstLine(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.error ? 'absent' : `${result.stdout}${result.stderr}`.split('\n')[0].trim();
}

const started = Date.now();

function phase(name: string): void {
  process.stderr.write(`\n== ${name} (at ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2));
  teardownOnExit();
  process.chdir(REPO_ROOT);
  const cpus = cpuLayout();
  const wrk = firstLine('wrk', ['--version']);
  const machine: Machine = {
    cores: availableParallelism(),
    cpuModel: osCpus()[0]?.model ?? 'unknown',
    node: process.version,
    redis: /v=(\S+)/.exec(firstLine('redis-server', ['--version']))?.[1] ?? 'unknown',
    loadGenerator: `${wrk === 'absent' ? 'autocannon' : wrk.split(' [')[0]}, fixed rates by the open-loop probe`,
    cpus,
    loadAverage: { start: loadavg()[0], end: Number.NaN },
  };

  phase('starting Redis (standalone and a 3-master Cluster)');
  const [standalone, cluster] = await Promise.all([startStandalone(cpus.load), startCluster(cpus.load)]);

  phase('server comparison');
  const comparison = await compareServers(options, cpus, { standalone, cluster });
  await cluster.stop();
  if (options.rows) {
    writeJson({ date: new Date().toISOString(), machine, options, comparison }, options.resultsFile);
    process.stdout.write(`${rowsMarkdown(comparison, options)}\n\nJSON: ${options.resultsFile}\n`);
    return 0;
  }

  phase('scaling out');
  const scaling = await measureScaling(options);

  phase(`login under load (bcrypt cost ${options.bcryptCost})`);
  const loginStorm = await measureLoginStorm(options, standalone, cpus);

  phase('under abuse: a password-guessing attack, and one user listing a full set of sessions');
  const abuse = await measureAbuse(options, standalone, cpus);
  await standalone.stop();

  phase(`Redis memory per session (${options.memorySessions} sessions per store)`);
  const memory = await measureMemory(options.memorySessions, cpus);

  let scale: ScaleCurve | null = null;
  if (options.scaleLargeSessions > 0) {
    phase(`scale curve (${options.scaleSmallSessions} and ${options.scaleLargeSessions} live sessions)`);
    scale = await measureScaleCurve(options, cpus);
  }

  phase(`writes to replicas and the AOF per token check (${options.replicationChecks} checks of one token)`);
  const replication = await measureReplicationWrites(options.replicationChecks);

  phase(`a DPoP-bound check against an unbound one (${options.dpopRounds} rounds of ${options.dpopRequests} requests each)`);
  const dpop = await measureDpopInChild(options.dpopRequests, options.dpopRounds);

  const targets = evaluateTargets({ comparison, memory, scale, loginStorm, abuse, replication, dpop });
  machine.loadAverage.end = loadavg()[0];
  const report: BenchReport = {
    date: new Date().toISOString(),
    revision: {
      commit: firstLine('git', ['rev-parse', 'HEAD']),
      srcModified: firstLine('git', ['status', '--porcelain', '--', 'src']) !== '',
    },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine,
    options,
    comparison,
    tesseraRatios: tesseraRatios(comparison),
    scaling,
    loginStorm,
    abuse,
    memory,
    scale,
    replication,
    dpop,
    targets,
  };
  writeJson(report, options.resultsFile);
  process.stdout.write(`${markdown(report)}\n\nJSON: ${options.resultsFile} (${report.durationSeconds} s)\n`);
  const missed = targets.filter((target) => !target.pass).length;
  return options.smoke || missed === 0 ? 0 : 1;
}

main()
  .then(async (code) => {
    await teardown();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await teardown();
    process.exit(1);
  });
