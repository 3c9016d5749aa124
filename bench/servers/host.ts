/**
 * Entry point of one bench server process: `host.ts <module>` with the setup as JSON in
 * BENCH_SERVER_SETUP. It starts the module, counts the requests it receives (the denominator of
 * Redis commands per request) and talks to the bench over the IPC channel:
 *   to the bench:   { type: 'ready', port, path, headers } | { type: 'count', requests }
 *   from the bench: { type: 'count' }
 * With BENCH_SERVER_WORKERS = n > 0 it is a node:cluster primary instead, with n workers sharing
 * one port (connections are handed out round-robin) and answering for all of them.
 * It exits on SIGTERM, and when the bench goes away (the IPC channel closes).
 */
import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { SERVER_MODULES, type ServerModule, type ServerSetup, type StartServer } from './types';

export type ToBench =
  | { type: 'ready'; port: number; path: string; headers: Record<string, string>; extraHeaders?: Record<string, Record<string, string>> }
  | { type: 'count'; requests: number };
export type FromBench = { type: 'count' };

const MODULES: Record<ServerModule, () => Promise<{ start: StartServer }>> = {
  bare: () => import('./bare'),
  jwt: () => import('./jwt'),
  'koa-session': () => import('./koa-session'),
  'express-session': () => import('./express-session'),
  tessera: () => import('./tessera'),
  limit: () => import('./limit'),
  service: () => import('./service'),
};

function send(message: ToBench): void {
  process.send?.(message);
}

function onStop(stop: () => Promise<void>): void {
  let stopping = false;
  const once = () => {
    if (stopping) return;
    stopping = true;
    void stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', once);
  process.once('disconnect', once);
}

async function serveHere(module: ServerModule, setup: ServerSetup): Promise<void> {
  const running = await (await MODULES[module]()).start(setup);
  let requests = 0;
  running.server.on('request', () => requests++);
  process.on('message', (message: FromBench) => {
    if (message.type === 'count') send({ type: 'count', requests });
  });
  onStop(running.close);
  const { port } = running.server.address() as AddressInfo;
  send({ type: 'ready', port, path: running.path, headers: running.headers, extraHeaders: running.extraHeaders });
}

function nextMessage<T extends ToBench['type']>(worker: Worker, type: T): Promise<Extract<ToBench, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ToBench) => {
      if (message.type !== type) return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(message as Extract<ToBench, { type: T }>);
    };
    const onExit = (code: number) => reject(new Error(`worker exited with code ${code}`));
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}

async function servePrimary(workers: number): Promise<void> {
  const forked = Array.from({ length: workers }, () => cluster.fork());
  onStop(async () => {
    await Promise.all(
      forked.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once('exit', () => resolve());
            worker.kill('SIGTERM');
          }),
      ),
    );
  });
  const readies = await Promise.all(forked.map((worker) => nextMessage(worker, 'ready')));
  process.on('message', (message: FromBench) => {
    if (message.type !== 'count') return;
    void Promise.all(
      forked.map((worker) => {
        const answer = nextMessage(worker, 'count');
        worker.send({ type: 'count' } satisfies FromBench);
        return answer;
      }),
    ).then((answers) => send({ type: 'count', requests: answers.reduce((sum, answer) => sum + answer.requests, 0) }));
  });
  send(readies[0]);
}

async function main(): Promise<void> {
  const module = process.argv[2] as ServerModule;
  if (!SERVER_MODULES.includes(module)) throw new Error(`unknown server module ${JSON.stringify(module)}`);
  const setup = JSON.parse(process.env.BENCH_SERVER_SETUP ?? '') as ServerSetup;
  const workers = Number(process.env.BENCH_SERVER_WORKERS ?? '0');
  if (workers > 0 && cluster.isPrimary) await servePrimary(workers);
  else await serveHere(module, setup);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server ${process.argv[2]}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
