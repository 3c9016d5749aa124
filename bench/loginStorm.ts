/**
 * Login under load, on the whole service (`startService`): the open-loop probe sends
 * authenticated requests at a fixed rate (GET /auth/session), first alone, then while 20 clients
 * log in continuously (POST /auth/login, bcrypt at the configured cost). A fixed rate rather than
 * a saturating load, because the question is whether hashing stalls the event loop; at
 * saturation any extra CPU work would raise the p99 by queueing alone. The service runs
 * unpinned, as it is deployed, so its piscina pool is sized to all the machine's cores; the
 * probe, the login clients and Redis stay on the load cores.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { foreignCores, sampleCpu } from './interference';
import { runLoad, type LoadResult } from './load';
import type { BenchOptions } from './options';
import type { BenchRedis } from './redis';
import { startServerProcess } from './serverProcess';
import { STORM_PASSWORD } from './servers/types';
import { median } from './stats';

export interface LoginStormResult {
  bcryptCost: number;
  stormClients: number;
  probeRatePerSecond: number;
  /** Successful logins per second during the storm (median over the rounds). */
  loginsPerSecond: number;
  /** p99 of the authenticated probe without and with the storm (medians over the rounds). */
  quietP99Ms: number;
  stormP99Ms: number;
  /** Storm p99 over quiet p99, round by round, median: each pair ran seconds apart. */
  p99Factor: number;
  quiet: LoadResult[];
  storm: LoadResult[];
  logins: LoadResult[];
  /** Cores' worth of CPU other work on the machine used during each round (interference.ts). */
  foreignCores: number[];
}

const PROBE_CONNECTIONS = 8;
/** The storm starts this long before the probe, so the probe sees it at full strength. */
const STORM_LEAD_SECONDS = 1;

export async function measureLoginStorm(options: BenchOptions, redis: BenchRedis, cpus: { load: string }): Promise<LoginStormResult> {
  const service = await startServerProcess(
    'service',
    { redis: redis.target, keyPrefix: 'bench-storm', bcryptCost: options.bcryptCost, stormAccounts: options.stormClients, port: 0 },
    { cpus: '' },
  );
  try {
    const probe = {
      url: service.url,
      headers: service.headers,
      connections: PROBE_CONNECTIONS,
      ratePerSecond: options.probeRatePerSecond,
      cpus: cpus.load,
    };
    const loginUrl = new URL('/auth/login', service.url).toString();
    const quiet: LoadResult[] = [];
    const storm: LoadResult[] = [];
    const logins: LoadResult[] = [];
    const foreign: number[] = [];
    if (options.warmupSeconds > 0) await runLoad({ ...probe, durationSeconds: options.warmupSeconds });
    for (let round = 0; round < options.stormRounds; round++) {
      const cpuBefore = sampleCpu();
      quiet.push(check('quiet probe', await runLoad({ ...probe, durationSeconds: options.stormProbeSeconds })));
      const storming = runLoad({
        url: loginUrl,
        headers: {},
        connections: options.stormClients,
        durationSeconds: options.stormProbeSeconds + 2 * STORM_LEAD_SECONDS,
        cpus: cpus.load,
        login: { accounts: options.stormClients, password: STORM_PASSWORD },
      });
      await sleep(STORM_LEAD_SECONDS * 1000);
      storm.push(check('probe during the storm', await runLoad({ ...probe, durationSeconds: options.stormProbeSeconds })));
      // The clients wait for their last login's answer, so no hashing is left over for the next quiet probe.
      logins.push(check('login storm', await storming));
      foreign.push(foreignCores(cpuBefore, sampleCpu()));
      process.stderr.write(
        `  round ${round + 1}/${options.stormRounds} probe p99 ${quiet.at(-1)!.p99Ms.toFixed(2)} ms quiet, ${storm.at(-1)!.p99Ms.toFixed(2)} ms during ${logins.at(-1)!.requestsPerSecond.toFixed(1)} logins/s  other work ${foreign.at(-1)!.toFixed(2)} cores\n`,
      );
    }
    return {
      bcryptCost: options.bcryptCost,
      stormClients: options.stormClients,
      probeRatePerSecond: options.probeRatePerSecond,
      loginsPerSecond: median(logins.map((r) => r.requestsPerSecond)),
      quietP99Ms: median(quiet.map((r) => r.p99Ms)),
      stormP99Ms: median(storm.map((r) => r.p99Ms)),
      p99Factor: median(storm.map((r, round) => r.p99Ms / quiet[round].p99Ms)),
      quiet,
      storm,
      logins,
      foreignCores: foreign,
    };
  } finally {
    await service.stop();
  }
}

function check(what: string, result: LoadResult): LoadResult {
  if (result.non2xx > 0 || result.requests === 0) {
    throw new Error(`${what}: ${result.non2xx} of ${result.requests} answers were not 2xx`);
  }
  return result;
}
