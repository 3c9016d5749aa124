/**
 * Starts a bench server (bench/servers/host.ts) in its own process, on the cores it is given, and
 * waits until it listens and has made its credential. A server that exits or stays silent fails
 * the bench, since every figure after it would be meaningless.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { onCpus } from './cpus';
import { nodeRunning } from './node';
import type { FromBench, ToBench } from './servers/host';
import type { ServerModule, ServerSetup } from './servers/types';
import { stopChildOnTeardown } from './teardown';

const HOST = path.join(__dirname, 'servers', 'host.ts');
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 5_000;

export interface ServerProcess {
  /** URL of the authenticated route, e.g. http://127.0.0.1:41234/me. */
  url: string;
  /** Process id of the server (taskset execs it, so this is Node's own). */
  pid: number;
  /** Headers that authenticate a request to it. */
  headers: Record<string, string>;
  /** Further credentials the server made, by name. */
  extraHeaders: Record<string, Record<string, string>>;
  /** Requests the server has received since it started. */
  requestsReceived(): Promise<number>;
  /** Starts V8's CPU profiler in the server. */
  startProfile(): Promise<void>;
  /** Stops it and writes the profile (a .cpuprofile) to `file`. */
  stopProfile(file: string): Promise<void>;
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  /** taskset CPU list, or '' for unpinned. */
  cpus: string;
  /** A file for what the server prints to stdout (its request log); default: the bench's stderr. */
  stdoutFile?: string;
}

export async function startServerProcess(module: ServerModule, setup: ServerSetup, options: ServerProcessOptions): Promise<ServerProcess> {
  const [command, args] = onCpus(options.cpus, ...nodeRunning(HOST, [module]));
  const stdout = options.stdoutFile ? openSync(options.stdoutFile, 'w') : null;
  const child = spawn(command, args, {
    // The report owns stdout; whatever a server prints goes to stderr with the progress lines.
    stdio: ['ignore', stdout ?? process.stderr, 'inherit', 'ipc'],
    env: { ...process.env, BENCH_SERVER_SETUP: JSON.stringify(setup) },
  });
  if (stdout !== null) closeSync(stdout);
  const { stop } = stopChildOnTeardown(child, STOP_TIMEOUT_MS);

  const ready = await new Promise<Extract<ToBench, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server ${module} was not ready within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
    child.on('message', (message: ToBench) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server ${module} exited (${signal ?? `code ${code}`}) before it was ready`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });

  /** Sends a message and resolves with the server's answer of `type`. */
  function ask<T extends ToBench['type']>(message: FromBench, type: T): Promise<Extract<ToBench, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error(`server ${module} exited while the bench was measuring it`));
      const onMessage = (answer: ToBench) => {
        if (answer.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(answer as Extract<ToBench, { type: T }>);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (!child.connected) onExit();
      else child.send(message);
    });
  }

  return {
    url: `http://127.0.0.1:${ready.port}${ready.path}`,
    pid: child.pid!,
    headers: ready.headers,
    extraHeaders: ready.extraHeaders ?? {},
    async requestsReceived() {
      return (await ask({ type: 'count' }, 'count')).requests;
    },
    async startProfile() {
      await ask({ type: 'profile-start' }, 'profiling');
    },
    async stopProfile(file) {
      await ask({ type: 'profile-stop', file }, 'profiled');
    },
    stop,
  };
}
