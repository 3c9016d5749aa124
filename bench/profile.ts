/**
 * `npm run profile -- [--server tessera|service|limit] [--list] [--seconds N] [--label NAME]`:
 * where a token check's CPU goes (with --list, the service's GET /auth/sessions for a user
 * holding a full set of sessions, as the bench's listing load sends it). One bench server on its core, Redis and wrk on the other (as in the
 * comparison), V8's CPU profiler on for a measured window of load after a warm-up; then
 * docs/profile/<label>.svg (a flame graph) and docs/profile/<label>.md (the cost per request of
 * each layer and the hottest frames). The CPU figures are the server's own, per request, so a
 * busy machine inflates them less than it does throughput. V8 samples the JavaScript thread only:
 * work on libuv's threads (asynchronous file writes, such as the log's) is not in the figures.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { callTree, costByLayer, hottest, sampleMicros, totalSamples, type CostRow, type CpuProfile } from './cpuProfile';
import { cpuLayout } from './cpus';
import { renderFlameGraph } from './flameGraph';
import { runLoad } from './load';
import { startStandalone } from './redis';
import { startServerProcess } from './serverProcess';
import type { ServerModule } from './servers/types';
import { teardown, teardownOnExit } from './teardown';

const OUT_DIR = path.join(__dirname, '..', 'docs', 'profile');
const SERVERS: ServerModule[] = ['tessera', 'service', 'limit'];
const USAGE = 'Usage: npm run profile -- [--server tessera|service|limit] [--list] [--seconds N] [--label NAME]';
const CONNECTIONS = 64;
const WARMUP_SECONDS = 2;

/**
 * The layers of a request. A sample is charged to the innermost frame of its stack that matches
 * one of these (cpuProfile.ts, costByLayer), so a layer's row is its own code plus what it calls
 * outside every other layer.
 */
const LAYERS: [string, RegExp][] = [
  ['HTTP: parsing, headers, response (node:_http_*, net)', /node:(_http_\w+|net)$/],
  ['Koa and @koa/router', /^\S+ (koa|koa-compose|@koa\/router|delegates|on-finished|ee-first|statuses|only)\//],
  ['request log (pino)', /^\S+ (src\/http\/requestLog\S*|pino\/\S+|sonic-boom\/\S+)$/],
  ['the route handler and other middleware', /^\S+ (bench\/servers|src\/http)\//],
  ['authenticate(): middleware and session service', /^\S+ src\/(middleware|sessions)\//],
  ['token parsing', /^\S+ src\/tokens\/(token|sessionId)\.ts$/],
  ['SHA-256 of the secret', /^(hashSecret \S+|\S+ node:internal\/crypto\/hash)$/],
  ['the store: keys, guard, reply', /^\S+ src\/store\//],
  ['ioredis: building and writing the command', /^\S+ ioredis\/built\/((Script|Command|Redis|Pipeline|autoPipelining)\.js|utils\/\S+|cluster\/\S+)$/],
  ['ioredis: reading replies', /^\S+ (redis-parser\/\S+|ioredis\/built\/DataHandler\.js)$/],
  ['socket writes (syscalls)', /^(writev|writeBuffer|writeUtf8String|writeLatin1String)$/],
  ['garbage collection', /^\(garbage collector\)$/],
];

interface ProfileOptions {
  server: ServerModule;
  list: boolean;
  seconds: number;
  label: string;
}

function parseOptions(argv: string[]): ProfileOptions {
  const options: ProfileOptions = { server: 'tessera', list: false, seconds: 10, label: '' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--list') {
      options.list = true;
      i -= 1;
    } else if (flag === '--server' && SERVERS.includes(value as ServerModule)) options.server = value as ServerModule;
    else if (flag === '--seconds' && Number(value) >= 1) options.seconds = Number(value);
    else if (flag === '--label' && /^[\w.-]+$/.test(value ?? '')) options.label = value;
    else throw new Error(USAGE);
  }
  if (options.list && options.server !== 'service') throw new Error(`--list profiles the service\n${USAGE}`);
  options.label ||= options.list ? 'service-list' : options.server;
  return options;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  teardownOnExit();
  const cpus = cpuLayout();
  const redis = await startStandalone(cpus.load);
  const scratch = mkdtempSync(path.join(tmpdir(), 'tessera-profile-'));
  try {
    const server = await startServerProcess(
      options.server,
      { redis: redis.target, keyPrefix: `profile-${options.server}`, bcryptCost: 4, stormAccounts: 0, port: 0, requestLog: options.server === 'service' },
      { cpus: cpus.server, stdoutFile: path.join(scratch, 'stdout.log') },
    );
    const load = options.list
      ? { url: new URL('/auth/sessions', server.url).toString(), headers: server.extraHeaders.lister, connections: CONNECTIONS, cpus: cpus.load }
      : { url: server.url, headers: server.headers, connections: CONNECTIONS, cpus: cpus.load };
    await runLoad({ ...load, durationSeconds: WARMUP_SECONDS });
    const before = await server.requestsReceived();
    await server.startProfile();
    const result = await runLoad({ ...load, durationSeconds: options.seconds });
    const file = path.join(scratch, 'server.cpuprofile');
    await server.stopProfile(file);
    const requests = (await server.requestsReceived()) - before;
    await server.stop();
    if (result.non2xx > 0) throw new Error(`${result.non2xx} answers were not 2xx`);

    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const tree = callTree(profile);
    const micros = sampleMicros(profile);
    const busyMicrosPerRequest = (totalSamples(tree) * micros) / requests;
    const title = `${options.list ? 'service GET /auth/sessions' : options.server}: ${busyMicrosPerRequest.toFixed(1)} µs of CPU per request (${requests} requests, ${Math.round(result.requestsPerSecond)} req/s)`;
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(path.join(OUT_DIR, `${options.label}.svg`), await renderFlameGraph(tree, title));
    const report = summary(options, title, costByLayer(tree, LAYERS, micros, requests), hottest(tree, 15));
    writeFileSync(path.join(OUT_DIR, `${options.label}.md`), report);
    process.stdout.write(report);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function summary(options: ProfileOptions, title: string, layers: CostRow[], hot: { name: string; share: number }[]): string {
  const lines = [
    `# Profile: ${options.label}`,
    '',
    `${title}; ${options.seconds} s of wrk load with ${CONNECTIONS} connections after ${WARMUP_SECONDS} s of warm-up,`,
    `the server pinned to one core. Flame graph: [${options.label}.svg](${options.label}.svg). Idle time is left out.`,
    '',
    '| layer | µs per request | share of busy CPU |',
    '| --- | ---: | ---: |',
    ...layers.map((row) => `| ${row.layer} | ${row.microsPerRequest.toFixed(1)} | ${(row.share * 100).toFixed(1)}% |`),
    '',
    '| hottest frames (self time) | share |',
    '| --- | ---: |',
    ...hot.map((frame) => `| \`${frame.name}\` | ${(frame.share * 100).toFixed(1)}% |`),
    '',
  ];
  return lines.join('\n');
}

main()
  .then(() => teardown())
  .catch(async (error: unknown) => {
    process.stderr.write(`profile failed: ${error instanceof Error ? error.message : String(error)}\n`);
    await teardown();
    process.exitCode = 1;
  });
