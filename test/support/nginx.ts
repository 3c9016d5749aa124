/**
 * A real nginx (Debian's /usr/sbin/nginx) for tests: its own temp prefix with the pid file, error
 * log and temp folders inside, on a free port, in the foreground so the test owns the process.
 * Works without root; as root its workers run as nobody, so the folder is made readable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './redisServer';

export const NGINX = '/usr/sbin/nginx';

export interface NginxProcess {
  port: number;
  url: string;
  /** The error log so far, for failure messages. */
  errorLog(): string;
  stop(): Promise<void>;
}

/** Starts nginx with `site` (server and upstream blocks; `{{PORT}}` is replaced by the port it listens on) inside http { }. */
export async function startNginx(site: string): Promise<NginxProcess> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-nginx-'));
  chmodSync(dir, 0o755);
  const errorLogPath = path.join(dir, 'error.log');
  writeFileSync(path.join(dir, 'site.conf'), site.replaceAll('{{PORT}}', String(port)));
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${errorLogPath} warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`,
  );
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-e', errorLogPath, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errorLog = () => {
    try {
      return stderr + readFileSync(errorLogPath, 'utf8');
    } catch {
      return stderr;
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      const log = errorLog();
      await stop();
      throw new Error(`nginx exited at start: ${log}`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        const log = errorLog();
        await stop();
        throw new Error(`nginx did not answer within 10 s: ${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { port, url, errorLog, stop };
}
