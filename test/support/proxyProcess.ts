/**
 * A real reverse proxy (nginx, Caddy) for tests: in a temp folder of its own, on a free port, in
 * the foreground so the test owns the process, and ready only once its port answers HTTP.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './redisServer';

export interface ProxyProcess {
  port: number;
  url: string;
  /** What it printed and logged so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** How to run a proxy whose configuration is written for one port and folder. */
export interface ProxyLaunch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** The signal it stops gracefully on. */
  stopSignal: NodeJS.Signals;
  /** A log file it writes besides what it prints. */
  logFile?: string;
}

/**
 * Makes the folder (`tessera-<name>-…`), lets `configure` write the configuration for the chosen
 * port into it, runs what `configure` answers, and waits up to `readyWithinMs` for the port to
 * answer. Stopping removes the folder.
 */
export async function startProxy(name: string, readyWithinMs: number, configure: (port: number, dir: string) => ProxyLaunch): Promise<ProxyProcess> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), `tessera-${name}-`));
  const launch = configure(port, dir);
  const child = spawn(launch.command, launch.args, { env: launch.env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => {
    if (!launch.logFile) return output;
    try {
      return output + readFileSync(launch.logFile, 'utf8');
    } catch {
      return output;
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(launch.stopSignal);
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const failed = async (why: string) => {
    const seen = log();
    await stop();
    return new Error(`${name} ${why}: ${seen}`);
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (child.exitCode !== null) throw await failed('exited at start');
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return { port, url, log, stop };
    } catch {
      if (Date.now() > deadline) throw await failed(`did not answer within ${readyWithinMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
