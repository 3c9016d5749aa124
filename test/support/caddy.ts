/**
 * A real Caddy (Debian's /usr/bin/caddy) for tests: on a free port, in the foreground so the test
 * owns the process, with its own HOME and XDG folders (Caddy keeps its autosaved config and data
 * there), no admin endpoint (nothing on :2019 to clash with) and no automatic HTTPS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './redisServer';

export const CADDY = '/usr/bin/caddy';

export interface CaddyProcess {
  port: number;
  url: string;
  /** What Caddy printed so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts Caddy with `site` (a Caddyfile without global options; `{{PORT}}` is replaced by the port it listens on). */
export async function startCaddy(site: string): Promise<CaddyProcess> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-caddy-'));
  const caddyfile = path.join(dir, 'Caddyfile');
  writeFileSync(caddyfile, `{\n\tadmin off\n\tauto_https off\n}\n\n${site.replaceAll('{{PORT}}', String(port))}`);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data') };
  const child: ChildProcess = spawn(CADDY, ['run', '--config', caddyfile, '--adapter', 'caddyfile'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`caddy exited at start: ${output}`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`caddy did not answer within 15 s: ${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { port, url, log: () => output, stop };
}
