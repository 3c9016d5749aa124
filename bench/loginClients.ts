/**
 * The login storm's clients, run by load.ts in a process of its own:
 *   loginClients.ts <login url> <clients> <seconds> <accounts> (password in BENCH_LOGIN_PASSWORD).
 * Each client logs in over its own keep-alive connection as storm-0, storm-1, ... in turn (or
 * BENCH_LOGIN_NAME_PREFIX 0, 1, ...), the next login as soon as the last one answered, until the
 * time is up; with BENCH_FORWARDED_FOR, client i sends X-Forwarded-For: <that>i. Prints one line:
 * BENCH_RESULT {json}, latencies in µs. In Node rather than wrk, so the storm needs nothing
 * the project does not install.
 */
import { Agent, request } from 'node:http';
import { createHistogram } from 'node:perf_hooks';

const [url, clientsText, secondsText, accountsText] = process.argv.slice(2);
const clients = Number(clientsText);
const accounts = Number(accountsText);
const password = process.env.BENCH_LOGIN_PASSWORD ?? '';
const namePrefix = process.env.BENCH_LOGIN_NAME_PREFIX || 'storm-';
const forwardedFor = process.env.BENCH_FORWARDED_FOR ?? '';
const agent = new Agent({ keepAlive: true, maxSockets: clients });
const latencyNs = createHistogram();
const startNs = process.hrtime.bigint();
const endNs = startNs + BigInt(Math.round(Number(secondsText) * 1e9));
let next = 0;
let non2xx = 0;
let socketErrors = 0;
let refused = 0;

function login(clientIndex: number): Promise<void> {
  const body = JSON.stringify({ username: `${namePrefix}${next++ % accounts}`, password });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (forwardedFor) headers['x-forwarded-for'] = `${forwardedFor}${clientIndex}`;
  const sentNs = process.hrtime.bigint();
  return new Promise((resolve) => {
    const outgoing = request(url, { method: 'POST', agent, headers }, (response) => {
      if (response.statusCode === undefined || response.statusCode < 200 || response.statusCode > 299) non2xx++;
      if (response.statusCode === 429 || response.statusCode === 503) refused++;
      response.resume();
      response.once('end', () => {
        latencyNs.record(Math.max(1, Number(process.hrtime.bigint() - sentNs)));
        resolve();
      });
    });
    outgoing.once('error', () => {
      socketErrors++;
      resolve();
    });
    outgoing.end(body);
  });
}

async function client(_: unknown, index: number): Promise<void> {
  while (process.hrtime.bigint() < endNs) await login(index);
}

void Promise.all(Array.from({ length: clients }, client)).then(() => {
  const result = {
    requests: latencyNs.count,
    durationSeconds: Number(process.hrtime.bigint() - startNs) / 1e9,
    p50Us: latencyNs.count ? latencyNs.percentile(50) / 1000 : 0,
    p99Us: latencyNs.count ? latencyNs.percentile(99) / 1000 : 0,
    non2xx,
    socketErrors,
    refused,
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
  agent.destroy();
});
