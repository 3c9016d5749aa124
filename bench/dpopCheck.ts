/**
 * `npx tsx bench/dpopCheck.ts [--requests N] [--rounds N]`: what binding a session to a key
 * (DPoP, RFC 9449) costs the token check. The same Koa app with Tessera's authenticate() answers
 * GET /me for an unbound session (`Authorization: Bearer`) and for a bound one (`Authorization:
 * DPoP` with a fresh proof per request), round by round in turn. The figures are the server's own
 * Node CPU per request (process.cpuUsage of this process, while a load process of its own signs
 * the proofs) and Redis commands per request (INFO commandstats); medians of the rounds are
 * reported, with the bound check's CPU over the unbound one's against the target of 1.6.
 */
import { fork } from 'node:child_process';
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
import { nodeRunning } from './node';
import { median } from './stats';

const ORIGIN = 'https://bench.tessera.example';
const LUA = path.join(__dirname, '..', 'src', 'store', 'lua');
/** What one check runs inside Redis: touch.lua and the prelude before it, for telling script-internal commands apart. */
const TOUCH_SOURCES = ['prelude.lua', 'touch.lua'].map((file) => readFileSync(path.join(LUA, file), 'utf8'));
const TARGET_RATIO = 1.6;

interface RoundResult {
  cpuMicrosPerRequest: number;
  redisCommandsPerRequest: number;
  failures: number;
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

async function main(): Promise<void> {
  const requests = option('--requests', 20_000);
  const rounds = option('--rounds', 3);
  const redisServer = await startRedis(['--appendonly', 'no']);
  const redis = createRedisClient({ kind: 'standalone', url: `redis://127.0.0.1:${redisServer.port}` }, { logger: null });
  await waitUntilReady(redis);
  const stats = new CommandStats([redisServer.port]);
  const callSites = scriptCallSites(TOUCH_SOURCES);
  try {
    const tessera = createTessera(redis, { keyPrefix: 'bench-dpop' });
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' }) as { kty: 'EC'; crv: 'P-256'; x: string; y: string };
    const unbound = await tessera.create('bench-unbound');
    const bound = await tessera.create('bench-bound', {}, { boundKey: jwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }) });

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

    const measure = async (mode: 'bearer' | 'dpop', count: number): Promise<RoundResult> => {
      const token = mode === 'dpop' ? bound.token : unbound.token;
      const before = await stats.snapshot();
      const cpu = process.cpuUsage();
      const failures = await runLoad({ port, token, mode, count, origin: ORIGIN, privatePem, jwk });
      const used = process.cpuUsage(cpu);
      const commands = accountCommands(stats.between(before, await stats.snapshot()), count, callSites);
      return { cpuMicrosPerRequest: (used.user + used.system) / count, redisCommandsPerRequest: commands.clientCommandsPerRequest, failures };
    };

    // Warm-up: JIT, the imported-key cache, the script cache.
    await measure('bearer', 2000);
    await measure('dpop', 2000);
    const results: Record<'bearer' | 'dpop', RoundResult[]> = { bearer: [], dpop: [] };
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? (['bearer', 'dpop'] as const) : (['dpop', 'bearer'] as const)) {
        results[mode].push(await measure(mode, requests));
      }
    }
    await new Promise((resolve) => server.close(resolve));

    const row = (mode: 'bearer' | 'dpop') => ({
      cpu: median(results[mode].map((r) => r.cpuMicrosPerRequest)),
      commands: median(results[mode].map((r) => r.redisCommandsPerRequest)),
      failures: results[mode].reduce((sum, r) => sum + r.failures, 0),
    });
    const [plain, proven] = [row('bearer'), row('dpop')];
    const ratio = proven.cpu / plain.cpu;
    console.log(`| check | Node CPU µs/request | Redis commands/request (client) | refused |`);
    console.log(`| --- | --- | --- | --- |`);
    console.log(`| unbound, Authorization: Bearer | ${plain.cpu.toFixed(1)} | ${plain.commands.toFixed(2)} | ${plain.failures} |`);
    console.log(`| DPoP-bound, a fresh ES256 proof each | ${proven.cpu.toFixed(1)} | ${proven.commands.toFixed(2)} | ${proven.failures} |`);
    console.log(
      `\nbound ÷ unbound: ${ratio.toFixed(2)}x (target ≤ ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'}); ${rounds} rounds of ${requests} requests, medians`,
    );
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

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
