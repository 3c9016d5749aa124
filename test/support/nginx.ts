/**
 * A real nginx (Debian's /usr/sbin/nginx) for tests: the pid file, error log and temp folders
 * inside its own folder. Works without root; as root its workers run as nobody, so the folder is
 * made readable.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startProxy, type ProxyProcess } from './proxyProcess';

export const NGINX = '/usr/sbin/nginx';

/** Starts nginx with `site` (server and upstream blocks; `{{PORT}}` is replaced by the port it listens on) inside http { }. */
export function startNginx(site: string): Promise<ProxyProcess> {
  return startProxy('nginx', 10_000, (port, dir) => {
    chmodSync(dir, 0o755);
    const errorLog = path.join(dir, 'error.log');
    writeFileSync(path.join(dir, 'site.conf'), site.replaceAll('{{PORT}}', String(port)));
    writeFileSync(
      path.join(dir, 'nginx.conf'),
      `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${errorLog} warn;
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
    return { command: NGINX, args: ['-p', dir, '-e', errorLog, '-c', path.join(dir, 'nginx.conf')], stopSignal: 'SIGQUIT', logFile: errorLog };
  });
}
