/**
 * `npx tsx bench/dpopCheck.ts [--requests N] [--rounds N] [--json] [--profile]`: what binding a
 * session to a key (DPoP, RFC 9449) costs the token check. The same Koa app with Tessera's
 * authenticate() answers GET /me for an unbound session (`Authorization: Bearer`) and for a bound
 * one (`Authorization: DPoP` with a fresh proof per request), round by round in turn. The figures
 * are the server's own Node CPU per request (process.cpuUsage of this process, while a load
 * process of its own signs the proofs) and Redis commands per request (INFO commandstats); medians
 * of the rounds are reported, with the bound check's CPU over the unbound one's against the target
 * of 1.6. `npm run bench` runs it with `--json` for its targets. `--profile` then profiles one more
 * run of each and prints the frames whose own CPU differs most; V8 samples wall time, so frames in
 * system calls (writeBuffer, writev) also carry the time the server waited for the CPU.
 */
import { fork } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Router from '@koa/router';
import { readFileSync } from 'node:fs';
import Koa from 'koa';
import { authenticate, createRedisClient, createTessera, requireAuth, waitUntilReady } from '../src';
import { jwkThumbprint } from '../src/tokens/jwkThumbprint';
import { startRedis } from '../test/support/redisServer';
import type { LoadSpec } from './dpopLoad';
import { accountCommands, CommandStats, scriptCallSites } from './commandStats';
import { callTree, hottest, sampleMicros, totalSamples, type CpuProfile } from './cpuProfile';
import { nodeRunning } from './node';
import { dpopCheckTable, type DpopCheckResult, type DpopCheckRow } from './dpopPhase';
import { median } from './stats';

const ORIGIN = 'https://bench.tessera.example';
const LUA = path.join(__dirname, '..', 'src', 'store', 'lua');
/** What one check runs inside Redis: touch.lua and the prelude before it, for telling script-internal commands apart. */
const TOUCH_SOURCES = ['prelude.lua', 'touch.lua'].map((file) => readFileSync(path.join(LUA, file), 'utf8'));
const WARMUP_REQUESTS = 2000;
const PROFILED_FRAMES = 25;

type Mode = 'bearer' | 'dpop';

interface RoundResult {
  cpuMicrosPerRequest: number;
  redisCommandsPerRequest: number;
  failures: number;
}

/** Measures `rounds` interleaved rounds of `requests` checks of each kind; `profile` then profiles one more run of each. */
export async function measureDpopCheck(requests: number, rounds: number, profile = false): Promise<DpopCheckResult> {
  const redisServer = await startRedis(['--appendonly', 'no']);
  const redis = createRedisClient({ kind: 'standalone', url: `redis://127.0.0.1:${redisServer.port}` }, { logger: null });
  await waitUntilReady(redis);
  const stats = new CommandStats([redisServer.port]);
  const callSites = scriptCallSites(TOUCH_SOURCES);
  try {
    const tessera = createTessera(redis, { keyPrefix: 'bench-dpop' });
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' }) as { kty: 'EC'; crv: 'P-256'; x: string; y: string };
    const unboundSession = await tessera.create('bench-unbound');
    const boundSession = await tessera.create('bench-bound', {}, { boundKey: jwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }) });

    const app = new Koa();
    const router = new Router();
    app.use(authenticate(tessera, { dpop: { publicOrigin: ORIGIN } }));
    router.get('/me', requireAuth(), (ctx) => {
      ctx.body = { id: ctx.state.user!.id };
    });
    app.use(router.routes());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    const privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

    const measure = async (mode: Mode, count: number): Promise<RoundResult> => {
      const token = mode === 'dpop' ? boundSession.token : unboundSession.token;
      const before = await stats.snapshot();
      const cpu = process.cpuUsage();
      const failures = await runLoad({ port, token, mode, count, origin: ORIGIN, privatePem, jwk });
      const used = process.cpuUsage(cpu);
      const commands = accountCommands(stats.between(before, await stats.snapshot()), count, callSites);
      return { cpuMicrosPerRequest: (used.user + used.system) / count, redisCommandsPerRequest: commands.clientCommandsPerRequest, failures };
    };

    // Warm-up: JIT, the imported-key cache, the script cache.
    await measure('bearer', Math.min(WARMUP_REQUESTS, requests));
    await measure('dpop', Math.min(WARMUP_REQUESTS, requests));
    const results: Record<Mode, RoundResult[]> = { bearer: [], dpop: [] };
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? (['bearer', 'dpop'] as const) : (['dpop', 'bearer'] as const)) {
        results[mode].push(await measure(mode, requests));
      }
    }
    if (profile) await printProfile((mode) => measure(mode, requests), requests);
    await new Promise((resolve) => server.close(resolve));

    const row = (mode: Mode): DpopCheckRow => ({
      cpuMicrosPerRequest: median(results[mode].map((r) => r.cpuMicrosPerRequest)),
      redisCommandsPerRequest: median(results[mode].map((r) => r.redisCommandsPerRequest)),
      failures: results[mode].reduce((sum, r) => sum + r.failures, 0),
    });
    const [unbound, bound] = [row('bearer'), row('dpop')];
    return { requests, rounds, unbound, bound, ratio: bound.cpuMicrosPerRequest / unbound.cpuMicrosPerRequest };
  } finally {
    redis.disconnect();
    stats.close();
    await redisServer.destroy();
  }
}

/** Runs the load in a process of its own (it signs the proofs); answers how many requests were refused. */
function runLoad(spec: LoadSpec): Promise<number> {
  const [execPath, args] = nodeRunning(path.join(__dirname, 'dpopLoad.ts'));
  return new Promise((resolve, reject) => {
    const child = fork(args[args.length - 1], [], { execPath, execArgv: args.slice(0, -1), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (message) => resolve((message as { failures: number }).failures));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`the load process exited with ${code}`)));
    child.send(spec);
  });
}

/** Profiles one run of each kind and prints the frames whose own CPU per request differs most. */
async function printProfile(run: (mode: Mode) => Promise<RoundResult>, requests: number): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 100 µs rather than V8's default 1 ms: a check costs tens of microseconds.
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  const selfMicros: Partial<Record<Mode, Map<string, number>>> = {};
  for (const mode of ['bearer', 'dpop'] as const) {
    await session.post('Profiler.start');
    await run(mode);
    const { profile } = await session.post('Profiler.stop');
    const tree = callTree(profile as CpuProfile);
    const micros = (sampleMicros(profile as CpuProfile) * totalSamples(tree)) / requests;
    selfMicros[mode] = new Map(hottest(tree, Number.MAX_SAFE_INTEGER).map(({ name, share }) => [name, share * micros]));
  }
  session.disconnect();
  const [bearer, dpop] = [selfMicros.bearer!, selfMicros.dpop!];
  const frames = [...new Set([...bearer.keys(), ...dpop.keys()])].map((name) => ({ name, bearer: bearer.get(name) ?? 0, dpop: dpop.get(name) ?? 0 }));
  frames.sort((a, b) => b.dpop - b.bearer - (a.dpop - a.bearer));
  const total = (of: Map<string, number>) => [...of.values()].reduce((sum, value) => sum + value, 0);
  console.log(`\nprofile (sampled µs/request of own time): unbound ${total(bearer).toFixed(1)}, bound ${total(dpop).toFixed(1)}\n`);
  console.log('| frame | unbound | bound | difference |\n| --- | ---: | ---: | ---: |');
  for (const frame of frames.slice(0, PROFILED_FRAMES)) {
    console.log(`| ${frame.name} | ${frame.bearer.toFixed(2)} | ${frame.dpop.toFixed(2)} | ${(frame.dpop - frame.bearer).toFixed(2)} |`);
  }
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

if (require.main === module) {
  measureDpopCheck(option('--requests', 20_000), option('--rounds', 3), process.argv.includes('--profile'))
    .then((result) => {
      // --json: one line for npm run bench to read.
      console.log(process.argv.includes('--json') ? JSON.stringify(result) : dpopCheckTable(result).join('\n'));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
