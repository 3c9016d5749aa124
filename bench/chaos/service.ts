/**
 * The service under chaos: `src/server/main.ts` in a process of its own (as `npm start` runs it,
 * minus the build), configured by environment, on a free port. Stopped at teardown.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../test/support/redisServer';
import { nodeRunning } from '../node';
import { onTeardown } from '../teardown';

const MAIN = path.join(__dirname, '..', '..', 'src', 'server', 'main.ts');
const READY_TIMEOUT_MS = 60_000;

export interface ChaosService {
  url: string;
  stop(): Promise<void>;
}

export async function startChaosService(env: Record<string, string>): Promise<ChaosService> {
  const port = await freePort();
  const [command, args] = nodeRunning(MAIN);
  const child = spawn(command, args, {
    stdio: ['ignore', 'ignore', process.stderr],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: String(port),
      BCRYPT_COST: '4',
      LOG_LEVEL: 'error',
      // Thousands of requests from one address: throttles would measure themselves.
      RATE_LIMITS: 'off',
      WORKERS: '1',
      ...env,
    },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = onTeardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited (code ${child.exitCode}) before it was ready`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the service was not ready within ${READY_TIMEOUT_MS / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
