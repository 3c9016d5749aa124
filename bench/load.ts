/**
 * Drives a load generator in its own process on the load cores. Saturating loads use wrk when
 * it is installed (it costs far less CPU per request than a Node generator, leaving more of the
 * shared core to Redis) and autocannon otherwise; both are closed-loop over keep-alive
 * connections. A fixed request rate uses the bench's open-loop probe (probe.ts), and the login
 * storm its own clients (loginClients.ts).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { onCpus } from './cpus';
import { nodeRunning } from './node';
import { onTeardown } from './teardown';

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  connections: number;
  durationSeconds: number;
  /** taskset CPU list of the generator, or '' for unpinned. */
  cpus: string;
  /** Fixed overall rate (requests/second, open loop) instead of as fast as the server answers. */
  ratePerSecond?: number;
  /**
   * Log in as <prefix>0 .. <prefix>(n-1) in turn (prefix "storm-" unless named) with this password,
   * one client per connection (url: the login route); with `forwardedFor`, client i says it is
   * <forwardedFor><i> in X-Forwarded-For.
   */
  login?: { accounts: number; password: string; namePrefix?: string; forwardedFor?: string };
  /**
   * A file of bearer tokens, one a line: each request presents one drawn at random (wrk/tokens.lua,
   * or spreadLoad.ts under autocannon) instead of the Authorization header of `headers`.
   */
  tokenFile?: string;
}

export interface LoadResult {
  engine: 'wrk' | 'autocannon' | 'probe' | 'login clients';
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers with a status of 400 or more (wrk) or outside 2xx (the others). */
  non2xx: number;
  /** Connect, read, write errors and timeouts. */
  socketErrors: number;
  /** Answers 429 or 503: refused before the work was done (login clients only). */
  refused?: number;
}

const AUTOCANNON = require.resolve('autocannon/autocannon.js');
const WRK_DIR = path.join(__dirname, 'wrk');
const PROBE = path.join(__dirname, 'probe.ts');
const LOGIN_CLIENTS = path.join(__dirname, 'loginClients.ts');
const SPREAD_LOAD = path.join(__dirname, 'spreadLoad.ts');

let wrkPresent: boolean | undefined;

async function hasWrk(): Promise<boolean> {
  wrkPresent ??= await new Promise<boolean>((resolve) => {
    const probe = spawn('wrk', ['--version'], { stdio: 'ignore' });
    probe.once('error', () => resolve(false));
    probe.once('exit', () => resolve(true));
  });
  return wrkPresent;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.ratePerSecond !== undefined) return runProbe(spec, spec.ratePerSecond);
  if (spec.login) return runLoginClients(spec, spec.login);
  if (spec.tokenFile) return (await hasWrk()) ? runWrk(spec) : runSpread(spec, spec.tokenFile);
  return (await hasWrk()) ? runWrk(spec) : runAutocannon(spec);
}

async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const args = ['-t1', `-c${spec.connections}`, `-d${Math.max(1, Math.round(spec.durationSeconds))}s`, '--timeout', '5s'];
  for (const [name, value] of Object.entries(spec.headers)) {
    if (!(spec.tokenFile && name.toLowerCase() === 'authorization')) args.push('-H', `${name}: ${value}`);
  }
  if (spec.tokenFile) args.push('-s', path.join(WRK_DIR, 'tokens.lua'), spec.url, '--', spec.tokenFile);
  else args.push('-s', path.join(WRK_DIR, 'report.lua'), spec.url);
  const r = benchResult<{ requests: number; durationUs: number; p50Us: number; p99Us: number; non2xx: number; socketErrors: number }>(
    'wrk',
    await runCollecting(...onCpus(spec.cpus, 'wrk', args)),
  );
  const durationSeconds = r.durationUs / 1e6;
  return {
    engine: 'wrk',
    requests: r.requests,
    durationSeconds,
    requestsPerSecond: r.requests / durationSeconds,
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    non2xx: r.non2xx,
    socketErrors: r.socketErrors,
  };
}

/** What probe.ts and loginClients.ts print. */
interface NodeClientResult {
  requests: number;
  durationSeconds: number;
  p50Us: number;
  p99Us: number;
  non2xx: number;
  socketErrors: number;
  refused?: number;
}

async function runProbe(spec: LoadSpec, ratePerSecond: number): Promise<LoadResult> {
  const [node, args] = nodeRunning(PROBE, [spec.url, String(ratePerSecond), String(spec.durationSeconds), String(spec.connections)]);
  const output = await runCollecting(...onCpus(spec.cpus, node, args), { BENCH_PROBE_HEADERS: JSON.stringify(spec.headers) });
  return fromNodeClient('probe', benchResult<NodeClientResult>('probe', output));
}

async function runSpread(spec: LoadSpec, tokenFile: string): Promise<LoadResult> {
  const [node, args] = nodeRunning(SPREAD_LOAD, [spec.url, String(spec.connections), String(spec.durationSeconds), tokenFile]);
  return fromNodeClient('autocannon', benchResult<NodeClientResult>('autocannon', await runCollecting(...onCpus(spec.cpus, node, args))));
}

async function runLoginClients(spec: LoadSpec, login: NonNullable<LoadSpec['login']>): Promise<LoadResult> {
  const [node, args] = nodeRunning(LOGIN_CLIENTS, [spec.url, String(spec.connections), String(spec.durationSeconds), String(login.accounts)]);
  const output = await runCollecting(...onCpus(spec.cpus, node, args), {
    BENCH_LOGIN_PASSWORD: login.password,
    BENCH_LOGIN_NAME_PREFIX: login.namePrefix ?? 'storm-',
    BENCH_FORWARDED_FOR: login.forwardedFor ?? '',
  });
  return fromNodeClient('login clients', benchResult<NodeClientResult>('login clients', output));
}

function fromNodeClient(engine: LoadResult['engine'], r: NodeClientResult): LoadResult {
  return {
    engine,
    requests: r.requests,
    durationSeconds: r.durationSeconds,
    requestsPerSecond: r.requests / r.durationSeconds,
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    non2xx: r.non2xx,
    socketErrors: r.socketErrors,
    ...(r.refused === undefined ? {} : { refused: r.refused }),
  };
}

async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const args = [AUTOCANNON, '--json', '-c', String(spec.connections), '-d', String(spec.durationSeconds), '-t', '5'];
  for (const [name, value] of Object.entries(spec.headers)) args.push('-H', `${name}=${value}`);
  args.push(spec.url);
  const output = await runCollecting(...onCpus(spec.cpus, process.execPath, args));
  const r = JSON.parse(output.slice(output.indexOf('{'))) as {
    requests: { total: number };
    duration: number;
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  return {
    engine: 'autocannon',
    requests: r.requests.total,
    durationSeconds: r.duration,
    requestsPerSecond: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    socketErrors: r.errors + r.timeouts,
  };
}

/** The JSON of the line "BENCH_RESULT {...}" that wrk's script and the probe print. */
function benchResult<T>(engine: string, output: string): T {
  const line = output.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) throw new Error(`${engine} printed no result:\n${output}`);
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as T;
}

/** Runs a command to its end and answers its standard output; fails on a non-zero exit. */
function runCollecting(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const stop = onTeardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      void stop();
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stderr}`));
    });
  });
}
