/**
 * A fixed-rate, open-loop HTTP probe, run by load.ts in a process of its own:
 *   probe.ts <url> <requests per second> <seconds> <connections>, headers as JSON in BENCH_PROBE_HEADERS.
 * It sends GET requests on a fixed schedule whatever the answers and times each one from when it
 * was due, not from when a free connection let it go out. A server that stalls is then charged
 * for every request that queued behind the stall, which a closed-loop generator (autocannon -R)
 * leaves unsent and so never measures. Prints one line: BENCH_RESULT {json}, latencies in µs.
 */
import { Agent, get } from 'node:http';
import { createHistogram } from 'node:perf_hooks';

const [url, rateText, secondsText, connectionsText] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const headers = JSON.parse(process.env.BENCH_PROBE_HEADERS ?? '{}') as Record<string, string>;
const agent = new Agent({ keepAlive: true, maxSockets: Number(connectionsText) });
const latencyNs = createHistogram();
const total = Math.round(rate * seconds);
const intervalNs = 1e9 / rate;
let sent = 0;
let settled = 0;
let non2xx = 0;
let socketErrors = 0;
const startNs = process.hrtime.bigint();

function fire(dueNs: bigint): void {
  const request = get(url, { agent, headers }, (response) => {
    if (response.statusCode === undefined || response.statusCode < 200 || response.statusCode > 299) non2xx++;
    response.resume();
    response.once('end', () => {
      latencyNs.record(Math.max(1, Number(process.hrtime.bigint() - dueNs)));
      settle();
    });
  });
  request.once('error', () => {
    socketErrors++;
    settle();
  });
}

function settle(): void {
  if (++settled < total) return;
  const durationSeconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  const result = {
    requests: latencyNs.count,
    durationSeconds,
    p50Us: latencyNs.percentile(50) / 1000,
    p99Us: latencyNs.percentile(99) / 1000,
    non2xx,
    socketErrors,
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
  agent.destroy();
}

/** Sends every request that is due by now; timers are late by up to a millisecond, the schedule is not. */
function tick(): void {
  const now = process.hrtime.bigint();
  while (sent < total && startNs + BigInt(Math.round(sent * intervalNs)) <= now) {
    fire(startNs + BigInt(Math.round(sent * intervalNs)));
    sent++;
  }
  if (sent < total) setTimeout(tick, 1);
}

tick();
