/**
 * One round of the session listing under abuse: the probe (other users' authenticated requests at
 * a fixed rate) without listing, then during it, while connections list one user's full set of
 * sessions over and over. The listing starts a lead ahead of the probe, so the probe meets it
 * running. Beside the latencies, a round tells where the listing's cost goes: Redis's time per
 * script call (INFO commandstats, EVALSHA): the token check's with the probe alone, the list
 * script's over the listing run less the checks in it, and the service's CPU per list while
 * listing (the probe's requests included, about 2% of it).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandStats, type CommandCalls } from './commandStats';
import { processCpuSeconds } from './interference';
import { runLoad, type LoadResult, type LoadSpec } from './load';
import type { BenchRedis } from './redis';
import type { ServerProcess } from './serverProcess';

export const LISTING_CONNECTIONS = 4;
const LEAD_SECONDS = 1;

export interface ListingRound {
  /** The probe without listing, then during it. */
  quiet: LoadResult;
  during: LoadResult;
  /** The listing load over its whole run (lead, probe, tail). */
  listed: LoadResult;
  /** Redis microseconds per script call: the probe's token check alone, and the list alone. */
  checkUsecPerCall: number;
  listUsecPerCall: number;
  /** The service's CPU per list while listing (the probe's requests included). Milliseconds. */
  serviceCpuMsPerList: number;
}

export async function listingRound(
  service: ServerProcess,
  redis: BenchRedis,
  probe: Omit<LoadSpec, 'durationSeconds'>,
  seconds: number,
  cpus: { load: string },
): Promise<ListingRound> {
  const stats = new CommandStats(redis.ports);
  try {
    let before = await stats.snapshot();
    const quiet = ok('probe, no listing', await runLoad({ ...probe, durationSeconds: seconds }));
    const checkUsecPerCall = scriptUsecPerCall(stats.between(before, await stats.snapshot()));
    const cpuBefore = processCpuSeconds(service.pid);
    before = await stats.snapshot();
    const listing = runLoad({
      url: new URL('/auth/sessions', service.url).toString(),
      headers: service.extraHeaders.lister,
      connections: LISTING_CONNECTIONS,
      durationSeconds: seconds + 2 * LEAD_SECONDS,
      cpus: cpus.load,
    });
    await sleep(LEAD_SECONDS * 1000);
    const during = ok('probe during the listing', await runLoad({ ...probe, durationSeconds: seconds }));
    const listed = ok('session listing', await listing);
    const cpuSeconds = processCpuSeconds(service.pid) - cpuBefore;
    // Every list request runs two scripts, its token check and the list, and the probe its checks:
    // their share, at the checks' own cost, is taken out of the scripts' time.
    const scripts = stats.between(before, await stats.snapshot()).get('evalsha') ?? { calls: 0, usec: 0 };
    const listUsecPerCall = (scripts.usec - (listed.requests + during.requests) * checkUsecPerCall) / listed.requests;
    return { quiet, during, listed, checkUsecPerCall, listUsecPerCall, serviceCpuMsPerList: (cpuSeconds * 1000) / listed.requests };
  } finally {
    stats.close();
  }
}

function scriptUsecPerCall(calls: CommandCalls): number {
  const script = calls.get('evalsha') ?? { calls: 0, usec: 0 };
  return script.calls === 0 ? Number.NaN : script.usec / script.calls;
}

export function ok(what: string, result: LoadResult): LoadResult {
  if (result.non2xx > 0 || result.requests === 0) {
    throw new Error(`${what}: ${result.non2xx} of ${result.requests} answers were not 2xx`);
  }
  return result;
}
