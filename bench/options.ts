import { CONTENDERS, type ComparedName } from './comparison';

/**
 * Options of `npm run bench`: defined, defaulted and read from the command line here only. The
 * full profile fits the whole run in well under ten minutes on two cores; `--smoke` shrinks every
 * duration and count so the run only proves that each part still starts and answers.
 */

export interface BenchOptions {
  /** Tiny durations, one round, small counts; targets are reported but not enforced. Default false. */
  smoke: boolean;
  /** Interleaved rounds of the server comparison; medians are quoted. Default 8 (smoke: 1). */
  rounds: number;
  /** Load before each measured run, for JIT and connection set-up. Seconds; default 1 (smoke: 0, none). */
  warmupSeconds: number;
  /** Length of each measured run of the comparison and of scaling. Seconds; default 3 (smoke: 1). */
  durationSeconds: number;
  /** Interleaved rounds of the scaling measurement. Default 5 (smoke: 1). */
  scalingRounds: number;
  /** Concurrent keep-alive connections of the load generator. Default 64 (smoke: 8). */
  connections: number;
  /** Live sessions stored by the memory measurement, per store. Default 100000 (smoke: 1000). */
  memorySessions: number;
  /**
   * Live sessions of the scale curve's small population, measured against the large one.
   * Default 10000 (smoke: 2000); never more than the large one.
   */
  scaleSmallSessions: number;
  /**
   * Live sessions of the scale curve's large population; 0 skips the scale curve.
   * Default 1000000 (smoke: 20000); `--scale-sessions N` sets it.
   */
  scaleLargeSessions: number;
  /** Interleaved rounds of the scale curve. Default 5 (smoke: 1). */
  scaleRounds: number;
  /** Checks of one token in the replication-writes measurement. Default 5000 (smoke: 200). */
  replicationChecks: number;
  /** bcrypt cost of the login-storm service. Default 12 (smoke: 4, so hashing fits in seconds). */
  bcryptCost: number;
  /** Clients logging in continuously during the storm. Default 20. */
  stormClients: number;
  /** Rounds of the login storm (probe alone, then probe during the storm). Default 3 (smoke: 1). */
  stormRounds: number;
  /** Length of each probe run of the login storm. Seconds; default 6 (smoke: 1). */
  stormProbeSeconds: number;
  /** Fixed rate of the authenticated probe during the storm comparison. Requests/second; default 500. */
  probeRatePerSecond: number;
  /** Requests of each kind (bound, unbound) per round of the DPoP check. Default 20000 (smoke: 500). */
  dpopRequests: number;
  /** Interleaved rounds of the DPoP check. Default 3 (smoke: 1). */
  dpopRounds: number;
  /**
   * Only these rows of the server comparison, and no other phase: `--rows service,tessera` sets
   * two side by side. Null (the default) runs every row and every phase.
   */
  rows: readonly ComparedName[] | null;
  /** Where the JSON results go. Default bench/results/latest.json (smoke, or --rows: a git-ignored .tmp file). */
  resultsFile: string;
}

const FULL: Omit<BenchOptions, 'resultsFile' | 'rows'> = {
  smoke: false,
  rounds: 8,
  warmupSeconds: 1,
  durationSeconds: 3,
  scalingRounds: 5,
  connections: 64,
  memorySessions: 100_000,
  scaleSmallSessions: 10_000,
  scaleLargeSessions: 1_000_000,
  scaleRounds: 5,
  replicationChecks: 5000,
  bcryptCost: 12,
  stormClients: 20,
  stormRounds: 3,
  stormProbeSeconds: 6,
  probeRatePerSecond: 500,
  dpopRequests: 20_000,
  dpopRounds: 3,
};

const SMOKE: Omit<BenchOptions, 'resultsFile' | 'rows'> = {
  smoke: true,
  rounds: 1,
  warmupSeconds: 0,
  durationSeconds: 1,
  scalingRounds: 1,
  connections: 8,
  memorySessions: 1000,
  scaleSmallSessions: 2000,
  scaleLargeSessions: 20_000,
  scaleRounds: 1,
  replicationChecks: 200,
  bcryptCost: 4,
  stormClients: 20,
  stormRounds: 1,
  stormProbeSeconds: 1,
  probeRatePerSecond: 200,
  dpopRequests: 500,
  dpopRounds: 1,
};

export const RESULTS_FILE = 'bench/results/latest.json';
export const SMOKE_RESULTS_FILE = 'bench/results/smoke.json.tmp';
export const ROWS_RESULTS_FILE = 'bench/results/rows.json.tmp';

const USAGE = `Usage: npm run bench -- [--smoke] [--rounds N] [--duration SECONDS] [--bcrypt-cost N] [--scale-sessions N] [--rows NAME,NAME...]`;

/** Reads the command line; throws with the usage on anything it does not know. */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const smoke = argv.includes('--smoke');
  const base = smoke ? SMOKE : FULL;
  const overrides: Partial<BenchOptions> = {};
  let rows: ComparedName[] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--smoke') continue;
    if (flag === '--rows' && argv[i + 1]) {
      rows = rowNames(argv[++i]);
      continue;
    }
    const value = Number(argv[++i]);
    if (flag === '--rounds' && Number.isSafeInteger(value) && value >= 1) overrides.rounds = value;
    else if (flag === '--duration' && value > 0) overrides.durationSeconds = value;
    else if (flag === '--bcrypt-cost' && Number.isSafeInteger(value) && value >= 4 && value <= 15) overrides.bcryptCost = value;
    else if (flag === '--scale-sessions' && Number.isSafeInteger(value) && value >= 0) overrides.scaleLargeSessions = value;
    else {
      throw new Error(
        `Unknown or invalid option ${flag} ${argv[i] ?? ''}\n${USAGE}\n` +
          '--bcrypt-cost takes 4-15, --rounds a whole number >= 1, --scale-sessions a whole number (0 skips the scale curve), ' +
          `--rows names of the comparison's rows separated by commas (${CONTENDERS.map((c) => c.name).join(', ')}).`,
      );
    }
  }
  const options = { ...base, ...overrides };
  return Object.freeze({
    ...options,
    scaleSmallSessions: Math.min(options.scaleSmallSessions, options.scaleLargeSessions),
    rows,
    resultsFile: smoke ? SMOKE_RESULTS_FILE : rows ? ROWS_RESULTS_FILE : RESULTS_FILE,
  });
}

function rowNames(list: string): ComparedName[] {
  const names = list.split(',').filter((name) => name !== '');
  const unknown = names.filter((name) => !CONTENDERS.some((contender) => contender.name === name));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(`--rows: ${unknown.join(', ') || 'no name'} is not a row; the rows are ${CONTENDERS.map((c) => c.name).join(', ')}.\n${USAGE}`);
  }
  return [...new Set(names)] as ComparedName[];
}
