/**
 * Entry point of one bench server process: `host.ts <module>` with the setup as JSON in
 * BENCH_SERVER_SETUP. It starts the module, counts the requests it receives (the denominator of
 * Redis commands per request) and talks to the bench over the IPC channel:
 *   to the bench:   { type: 'ready', port, path, headers } | { type: 'count', requests }
 *   from the bench: { type: 'count' }
 * It exits on SIGTERM, and when the bench goes away (the IPC channel closes).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { SERVER_MODULES, type ServerModule, type ServerSetup, type StartServer } from './types';

export type ToBench =
  | { type: 'ready'; port: number; path: string; headers: Record<string, string>; extraHeaders?: Record<string, Record<string, string>> }
  | { type: 'count'; requests: number }
  | { type: 'profiling' }
  | { type: 'profiled' };
/** The profile messages drive V8's CPU profiler over the inspector, so a profile holds the measured window only. */
export type FromBench = { type: 'count' } | { type: 'profile-start' } | { type: 'profile-stop'; file: string };

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
  const profiler = new Session();
  process.on('message', (message: FromBench) => {
    if (message.type === 'count') send({ type: 'count', requests });
    else if (message.type === 'profile-start') void startProfile(profiler).then(() => send({ type: 'profiling' }));
    else if (message.type === 'profile-stop') void stopProfile(profiler, message.file).then(() => send({ type: 'profiled' }));
  });
  onStop(running.close);
  const { port } = running.server.address() as AddressInfo;
  send({ type: 'ready', port, path: running.path, headers: running.headers, extraHeaders: running.extraHeaders });
}

/** Samples every 100 µs: a request costs about that much, so a profile of seconds holds tens of thousands of samples. */
async function startProfile(session: Session): Promise<void> {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}

async function stopProfile(session: Session, file: string): Promise<void> {
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  writeFileSync(file, JSON.stringify(profile));
}

async function main(): Promise<void> {
  const module = process.argv[2] as ServerModule;
  if (!SERVER_MODULES.includes(module)) throw new Error(`unknown server module ${JSON.stringify(module)}`);
  const setup = JSON.parse(process.env.BENCH_SERVER_SETUP ?? '') as ServerSetup;
  await serveHere(module, setup);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server ${process.argv[2]}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
