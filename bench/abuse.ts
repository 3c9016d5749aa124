/**
 * The service under abuse, with its throttles on (as deployed):
 * - the attack: 20 clients, each from its own address, guess passwords of the storm accounts as
 *   fast as the service answers; measured are a real user's logins (one client, from another
 *   address, with the right password) and the authenticated probe, each without and during it;
 * - the session listing: connections that list one user's full set of sessions (the default cap)
 *   over and over; measured is the probe (other users' authenticated requests), without and during.
 * Rounds interleave the quiet and the loaded run, as the login storm does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LISTING_CONNECTIONS, listingRound, ok } from './listing';
import { runLoad, type LoadResult } from './load';
import type { BenchOptions } from './options';
import type { BenchRedis } from './redis';
import { startServerProcess } from './serverProcess';
import { REAL_USER_PREFIX, STORM_PASSWORD } from './servers/types';
import { median } from './stats';

export interface PhaseResult {
  /** The real user's logins (attack) or nothing (listing). */
  logins: LoadResult | null;
  probe: LoadResult;
}

export interface AbuseResult {
  attackClients: number;
  listingConnections: number;
  probeRatePerSecond: number;
  /** Medians over the rounds. Milliseconds. */
  quietLoginP50Ms: number;
  attackLoginP50Ms: number;
  quietLoginP99Ms: number;
  attackLoginP99Ms: number;
  quietProbeP99Ms: number;
  attackProbeP99Ms: number;
  listingQuietP99Ms: number;
  listingP99Ms: number;
  /** Listing p99 over quiet p99, round by round, median. */
  listingP99Factor: number;
  /** Where a list's cost goes, medians (bench/listing.ts): Redis's microseconds per list script, the service's CPU ms per list. */
  listRedisUsec: number;
  listServiceCpuMs: number;
  /** The attack's guesses: answered, and how many were refused (429 or 503) rather than checked. */
  guesses: LoadResult[];
  quiet: PhaseResult[];
  attack: PhaseResult[];
  listingQuiet: LoadResult[];
  listing: LoadResult[];
  listed: LoadResult[];
}

const PROBE_CONNECTIONS = 8;
const ATTACK_CLIENTS = 20;
const LEAD_SECONDS = 1;

export async function measureAbuse(options: BenchOptions, redis: BenchRedis, cpus: { load: string }): Promise<AbuseResult> {
  const service = await startServerProcess(
    'service',
    { redis: redis.target, keyPrefix: 'bench-abuse', bcryptCost: options.bcryptCost, stormAccounts: ATTACK_CLIENTS, port: 0, rateLimits: true },
    { cpus: '' },
  );
  try {
    const seconds = options.stormProbeSeconds;
    const probe = { url: service.url, headers: service.headers, connections: PROBE_CONNECTIONS, ratePerSecond: options.probeRatePerSecond, cpus: cpus.load };
    const loginUrl = new URL('/auth/login', service.url).toString();
    const realUser = () =>
      runLoad({
        url: loginUrl,
        headers: {},
        connections: 1,
        durationSeconds: seconds,
        cpus: cpus.load,
        login: { accounts: 1, password: STORM_PASSWORD, namePrefix: REAL_USER_PREFIX, forwardedFor: '192.0.2.' },
      });
    const quiet: PhaseResult[] = [];
    const attack: PhaseResult[] = [];
    const guesses: LoadResult[] = [];
    const listingQuiet: LoadResult[] = [];
    const listing: LoadResult[] = [];
    const listed: LoadResult[] = [];
    const listCosts: { redisUsec: number; serviceCpuMs: number }[] = [];
    if (options.warmupSeconds > 0) await runLoad({ ...probe, durationSeconds: options.warmupSeconds });
    for (let round = 0; round < options.stormRounds; round++) {
      const [quietLogins, quietProbe] = await Promise.all([realUser(), runLoad({ ...probe, durationSeconds: seconds })]);
      quiet.push({ logins: ok('real user, quiet', quietLogins), probe: ok('probe, quiet', quietProbe) });
      const guessing = runLoad({
        url: loginUrl,
        headers: {},
        connections: ATTACK_CLIENTS,
        durationSeconds: seconds + 2 * LEAD_SECONDS,
        cpus: cpus.load,
        // The storm accounts' password is not this one: every guess is wrong.
        login: { accounts: ATTACK_CLIENTS, password: 'Summer2026!', forwardedFor: `198.51.${100 + round}.` },
      });
      await sleep(LEAD_SECONDS * 1000);
      const [attackLogins, attackProbe] = await Promise.all([realUser(), runLoad({ ...probe, durationSeconds: seconds })]);
      attack.push({ logins: ok('real user during the attack', attackLogins), probe: ok('probe during the attack', attackProbe) });
      guesses.push(await guessing);

      const listingResult = await listingRound(service, redis, probe, seconds, cpus);
      listingQuiet.push(listingResult.quiet);
      listing.push(listingResult.during);
      listed.push(listingResult.listed);
      listCosts.push({ redisUsec: listingResult.listUsecPerCall, serviceCpuMs: listingResult.serviceCpuMsPerList });
      process.stderr.write(
        `  round ${round + 1}/${options.stormRounds} real user's login p99 ${ms(quiet.at(-1)!.logins)} quiet, ${ms(attack.at(-1)!.logins)} under attack ` +
          `(${guesses.at(-1)!.refused ?? 0} of ${guesses.at(-1)!.requests} guesses refused); probe p99 ${listingQuiet.at(-1)!.p99Ms.toFixed(2)} ms, ` +
          `${listing.at(-1)!.p99Ms.toFixed(2)} ms while ${listed.at(-1)!.requestsPerSecond.toFixed(0)} lists/s ` +
          `(${listCosts.at(-1)!.redisUsec.toFixed(0)} µs of Redis, ${listCosts.at(-1)!.serviceCpuMs.toFixed(2)} ms of the service's CPU a list)\n`,
      );
    }
    const loginP = (phases: PhaseResult[], key: 'p50Ms' | 'p99Ms') => median(phases.map((phase) => phase.logins![key]));
    return {
      attackClients: ATTACK_CLIENTS,
      listingConnections: LISTING_CONNECTIONS,
      probeRatePerSecond: options.probeRatePerSecond,
      quietLoginP50Ms: loginP(quiet, 'p50Ms'),
      attackLoginP50Ms: loginP(attack, 'p50Ms'),
      quietLoginP99Ms: loginP(quiet, 'p99Ms'),
      attackLoginP99Ms: loginP(attack, 'p99Ms'),
      quietProbeP99Ms: median(quiet.map((phase) => phase.probe.p99Ms)),
      attackProbeP99Ms: median(attack.map((phase) => phase.probe.p99Ms)),
      listingQuietP99Ms: median(listingQuiet.map((run) => run.p99Ms)),
      listingP99Ms: median(listing.map((run) => run.p99Ms)),
      listingP99Factor: median(listing.map((run, round) => run.p99Ms / listingQuiet[round].p99Ms)),
      listRedisUsec: median(listCosts.map((cost) => cost.redisUsec)),
      listServiceCpuMs: median(listCosts.map((cost) => cost.serviceCpuMs)),
      guesses,
      quiet,
      attack,
      listingQuiet,
      listing,
      listed,
    };
  } finally {
    await service.stop();
  }
}

function ms(result: LoadResult | null): string {
  return result ? `${result.p99Ms.toFixed(1)} ms` : '—';
}
