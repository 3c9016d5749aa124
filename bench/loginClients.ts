/**
 * The login storm's clients, run by load.ts in a process of its own:
 *   loginClients.ts <login url> <clients> <seconds> <accounts> (password in BENCH_LOGIN_PASSWORD).
 * Each client logs in over its own keep-alive connection as storm-0, storm-1, ... in turn, the
 * next login as soon as the last one answered, until the time is up. Prints one line:
 * BENCH_RESULT {json}, latencies in µs. In Node rather than wrk, so the storm needs nothing
 * the project does not install.
 */
import { Agent, request } from 'node:http';
import { createHistogram } from 'node:perf_hooks';

const [url, clientsText, secondsText, accountsText] = process.argv.slice(2);
const clients = Number(clientsText);
const accounts = Number(accountsText);
const password = process.env.BENCH_LOGIN_PASSWORD ?? '';
const agent = new Agent({ keepAlive: true, maxSockets: clients });
const latencyNs = createHistogram();
const startNs = process.hrtime.bigint();
const endNs = startNs + BigInt(Math.round(Number(secondsText) * 1e9));
let next = 0;
let non2xx = 0;
let socketErrors = 0;

function login(): Promise<void> {
  const body = JSON.stringify({ username: `storm-${next++ % accounts}`, password });
  const sentNs = process.hrtime.bigint();
  return new Promise((resolve) => {
    const outgoing = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      if (response.statusCode === undefined || response.statusCode < 200 || response.statusCode > 299) non2xx++;
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

async function client(): Promise<void> {
  while (process.hrtime.bigint() < endNs) await login();
}

void Promise.all(Array.from({ length: clients }, client)).then(() => {
  const result = {
    requests: latencyNs.count,
    durationSeconds: Number(process.hrtime.bigint() - startNs) / 1e9,
    p50Us: latencyNs.count ? latencyNs.percentile(50) / 1000 : 0,
    p99Us: latencyNs.count ? latencyNs.percentile(99) / 1000 : 0,
    non2xx,
    socketErrors,
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
  agent.destroy();
});
