/**
 * The service as `npm start` runs it with `WORKERS=n` (src/server/main.ts: a node:cluster primary
 * and n workers sharing one port), against the bench's Redis, with one account signed in over
 * HTTP. Scaling out measures this, so the figure is what an operator gets from the variable.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisTarget } from '../src';
import { nodeRunning } from './node';
import { STORM_PASSWORD } from './servers/types';
import { stopChildOnTeardown } from './teardown';

const MAIN = path.join(__dirname, '..', 'src', 'server', 'main.ts');
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;

export interface ServiceWorkers {
  /** URL of GET /auth/session. */
  url: string;
  /** A bearer token of the signed-in account. */
  headers: Record<string, string>;
  stop(): Promise<void>;
}

export async function startServiceWorkers(workers: number, redis: RedisTarget & { kind: 'standalone' }, keyPrefix: string): Promise<ServiceWorkers> {
  const port = await freePort();
  const [command, args] = nodeRunning(MAIN);
  const child = spawn(command, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      KEY_PREFIX: keyPrefix,
      WORKERS: String(workers),
      // Throttles would refuse the load's single address; the bench measures sessions, not them.
      RATE_LIMITS: 'off',
      BCRYPT_COST: '4',
      LOG_LEVEL: 'warn',
    },
  });
  // The primary stops its workers gracefully (workers.ts) and then exits.
  const { stop, exited } = stopChildOnTeardown(child, STOP_TIMEOUT_MS);
  const base = `http://127.0.0.1:${port}`;
  try {
    await untilReady(base, exited);
    const account = { username: `bench-${workers}`, password: STORM_PASSWORD };
    await post(`${base}/auth/register`, account, 201);
    const { token } = (await post(`${base}/auth/login`, account, 200)) as { token: string };
    return { url: `${base}/auth/session`, headers: { authorization: `Bearer ${token}` }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function untilReady(base: string, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (gone) throw new Error('the service exited before it was ready');
    const ready = await fetch(`${base}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await sleep(200);
  }
  throw new Error(`the service was not ready within ${READY_TIMEOUT_MS / 1000} s`);
}

async function post(url: string, body: unknown, expected: number): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== expected) throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

/** A port the OS just handed out; the service binds it a moment later. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
