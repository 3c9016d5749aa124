/**
 * The service as its own process (src/server/main.ts through tsx) on the shared standalone Redis,
 * for what only a whole process shows: node:cluster workers, signals, the primary's metrics. It
 * runs in a process group of its own, so killProcessGroup ends it and everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { REPO_ROOT } from '../../src/paths';
import { uniquePrefix } from './backends';
import { freePort } from './redisServer';

export interface LogLine {
  msg: string;
  pid: number;
  path?: string;
  level: number;
}

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** Everything it printed so far. */
  output(): string;
  /** Its JSON log lines so far. */
  logLines(): LogLine[];
  /** Its exit code, once it exits. */
  exit: Promise<number | null>;
}

/**
 * Spawns the service with a key prefix of its own, info logs, cheap hashing and `env` on top.
 * With `unreadStdout`, nothing ever reads its stdout (a stuck log shipper): output() and
 * logLines() then hold its stderr only.
 */
export async function spawnService(env: Record<string, string>, { unreadStdout = false } = {}): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'src/server/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: `redis://127.0.0.1:${process.env.TESSERA_TEST_REDIS_PORT}`,
      KEY_PREFIX: uniquePrefix(),
      BCRYPT_COST: '4',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  if (unreadStdout) child.stdout.pause();
  else child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    logLines: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine),
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
}

export interface Answer {
  status: number;
  body: string;
}

/** One request on a connection of its own, so node:cluster hands each to the next worker. */
export function requestOnNewConnection(url: string, options: { method?: string; token?: string; json?: unknown } = {}): Promise<Answer> {
  const payload = options.json === undefined ? undefined : JSON.stringify(options.json);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: options.method ?? 'GET',
        agent: false,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}
