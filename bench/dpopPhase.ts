/**
 * The DPoP phase of `npm run bench`: bench/dpopCheck.ts in a process of its own (its server's CPU
 * is measured with process.cpuUsage, so nothing else may run in it), its result, and its table.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { nodeRunning } from './node';
import { stopChildOnTeardown } from './teardown';

/** The most a bound check may cost in the server's Node CPU, over an unbound one. */
export const DPOP_TARGET_RATIO = 1.6;

/** One kind of check: medians over the rounds, and the refusals of all of them. */
export interface DpopCheckRow {
  cpuMicrosPerRequest: number;
  redisCommandsPerRequest: number;
  failures: number;
}

export interface DpopCheckResult {
  requests: number;
  rounds: number;
  unbound: DpopCheckRow;
  bound: DpopCheckRow;
  /** The bound check's median CPU over the unbound one's. */
  ratio: number;
}

/** The result as the bench report's table shows it. */
export function dpopCheckTable(result: DpopCheckResult): string[] {
  const { unbound, bound, ratio } = result;
  return [
    '| check | Node CPU µs/request | Redis commands/request (client) | refused |',
    '| --- | ---: | ---: | ---: |',
    `| unbound, Authorization: Bearer | ${unbound.cpuMicrosPerRequest.toFixed(1)} | ${unbound.redisCommandsPerRequest.toFixed(2)} | ${unbound.failures} |`,
    `| DPoP-bound, a fresh ES256 proof each | ${bound.cpuMicrosPerRequest.toFixed(1)} | ${bound.redisCommandsPerRequest.toFixed(2)} | ${bound.failures} |`,
    '',
    `bound ÷ unbound: ${ratio.toFixed(2)}x (target ≤ ${DPOP_TARGET_RATIO}x: ${ratio <= DPOP_TARGET_RATIO ? 'met' : 'MISSED'}); ` +
      `${result.rounds} round(s) of ${result.requests} requests, medians`,
  ];
}

/** Runs bench/dpopCheck.ts with --json and reads its result. */
export function measureDpopInChild(requests: number, rounds: number): Promise<DpopCheckResult> {
  const [execPath, args] = nodeRunning(path.join(__dirname, 'dpopCheck.ts'), ['--json', '--requests', String(requests), '--rounds', String(rounds)]);
  return new Promise((resolve, reject) => {
    const child = execFile(execPath, args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      void stop();
      if (error) return reject(new Error(`bench/dpopCheck.ts failed: ${stderr || error.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as DpopCheckResult);
    });
    const { stop } = stopChildOnTeardown(child, 5000);
  });
}
