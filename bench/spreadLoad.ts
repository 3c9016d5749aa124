/**
 * The autocannon form of the scale curve's load (where wrk is not installed), run by load.ts in a
 * process of its own: spreadLoad.ts <url> <connections> <seconds> <token file>. Like
 * wrk/tokens.lua, every request presents a token drawn at random from the file (one a line), so
 * the load spreads over a whole population of sessions. Prints one line: BENCH_RESULT {json},
 * latencies in µs.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const [url, connectionsText, secondsText, tokenFile] = process.argv.slice(2);
const tokens = readFileSync(tokenFile, 'utf8')
  .split('\n')
  .filter((line) => line !== '');
if (tokens.length === 0) throw new Error(`no tokens in ${tokenFile}`);

autocannon(
  {
    url,
    connections: Number(connectionsText),
    duration: Number(secondsText),
    timeout: 5,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, authorization: `Bearer ${tokens[Math.floor(Math.random() * tokens.length)]}` },
        }),
      },
    ],
  },
  (error, result) => {
    if (error) throw error;
    const output = {
      requests: result.requests.total,
      durationSeconds: result.duration,
      p50Us: result.latency.p50 * 1000,
      p99Us: result.latency.p99 * 1000,
      non2xx: result.non2xx,
      socketErrors: result.errors + result.timeouts,
    };
    process.stdout.write(`BENCH_RESULT ${JSON.stringify(output)}\n`);
  },
);
