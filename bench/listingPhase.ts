/**
 * `npm run bench:listing`: the listing part of the bench's abuse phase alone, for working on it.
 * The same service, Redis, probe and listing load as `npm run bench` (bench/abuse.ts), and per
 * round where the listing's cost goes (bench/listing.ts). Prints each round and the medians with
 * their spread. `--rounds N` (default 5), `--seconds S` per probe run (default 6, the bench's).
 */
import { cpuLayout } from './cpus';
import { LISTING_CONNECTIONS, listingRound, type ListingRound } from './listing';
import { runLoad } from './load';
import { startStandalone } from './redis';
import { startServerProcess } from './serverProcess';
import { median } from './stats';
import { teardown, teardownOnExit } from './teardown';

const USAGE = 'Usage: npm run bench:listing -- [--rounds N] [--seconds S]';
const PROBE_CONNECTIONS = 8;
const PROBE_RATE_PER_SECOND = 500;
const WARMUP_SECONDS = 1;

function parse(argv: string[]): { rounds: number; seconds: number } {
  const options = { rounds: 5, seconds: 6 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--rounds' && Number.isSafeInteger(value) && value >= 1) options.rounds = value;
    else if (argv[i] === '--seconds' && value > 0) options.seconds = value;
    else throw new Error(`Unknown or invalid option ${argv[i]} ${argv[i + 1] ?? ''}\n${USAGE}`);
  }
  return options;
}

async function main(): Promise<void> {
  const { rounds, seconds } = parse(process.argv.slice(2));
  teardownOnExit();
  const cpus = cpuLayout();
  const redis = await startStandalone(cpus.load);
  // As in the abuse phase: throttles on, the service unpinned.
  const service = await startServerProcess(
    'service',
    { redis: redis.target, keyPrefix: 'bench-listing', bcryptCost: 4, stormAccounts: 0, port: 0, rateLimits: true },
    { cpus: '' },
  );
  const probe = { url: service.url, headers: service.headers, connections: PROBE_CONNECTIONS, ratePerSecond: PROBE_RATE_PER_SECOND, cpus: cpus.load };
  await runLoad({ ...probe, durationSeconds: WARMUP_SECONDS });
  const results: ListingRound[] = [];
  for (let round = 0; round < rounds; round++) {
    const r = await listingRound(service, redis, probe, seconds, cpus);
    results.push(r);
    process.stderr.write(
      `round ${round + 1}/${rounds}: probe p99 ${r.quiet.p99Ms.toFixed(2)} ms, ${r.during.p99Ms.toFixed(2)} ms while ${r.listed.requestsPerSecond.toFixed(0)} lists/s ` +
        `(${(r.during.p99Ms / r.quiet.p99Ms).toFixed(2)}x); Redis ${r.checkUsecPerCall.toFixed(1)} µs a check, ${r.listUsecPerCall.toFixed(0)} µs a list; ` +
        `service ${r.serviceCpuMsPerList.toFixed(2)} ms CPU a list\n`,
    );
  }
  await service.stop();
  await redis.stop();
  const factors = results.map((r) => r.during.p99Ms / r.quiet.p99Ms);
  const line = (name: string, values: number[], digits: number) =>
    `${name}: median ${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
  process.stdout.write(
    [
      `${rounds} rounds, ${LISTING_CONNECTIONS} listing connections, probe ${PROBE_RATE_PER_SECOND}/s for ${seconds} s`,
      line("others' p99 during the listing / without it, x", factors, 2),
      line(
        'probe p99 without listing, ms',
        results.map((r) => r.quiet.p99Ms),
        2,
      ),
      line(
        'probe p99 during the listing, ms',
        results.map((r) => r.during.p99Ms),
        2,
      ),
      line(
        'lists/s',
        results.map((r) => r.listed.requestsPerSecond),
        0,
      ),
      line(
        'Redis µs per token check',
        results.map((r) => r.checkUsecPerCall),
        1,
      ),
      line(
        'Redis µs per list',
        results.map((r) => r.listUsecPerCall),
        0,
      ),
      line(
        'service CPU ms per list',
        results.map((r) => r.serviceCpuMsPerList),
        2,
      ),
    ].join('\n'),
  );
  process.stdout.write('\n');
}

main()
  .then(async () => {
    await teardown();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    process.stderr.write(`bench:listing failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await teardown();
    process.exit(1);
  });
