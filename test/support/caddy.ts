/**
 * A real Caddy (Debian's /usr/bin/caddy) for tests: with its own HOME and XDG folders (Caddy keeps
 * its autosaved config and data there), no admin endpoint (nothing on :2019 to clash with) and no
 * automatic HTTPS.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startProxy, type ProxyProcess } from './proxyProcess';

export const CADDY = '/usr/bin/caddy';

/** Starts Caddy with `site` (a Caddyfile without global options; `{{PORT}}` is replaced by the port it listens on). */
export function startCaddy(site: string): Promise<ProxyProcess> {
  return startProxy('caddy', 15_000, (port, dir) => {
    const caddyfile = path.join(dir, 'Caddyfile');
    writeFileSync(caddyfile, `{\n\tadmin off\n\tauto_https off\n}\n\n${site.replaceAll('{{PORT}}', String(port))}`);
    return {
      command: CADDY,
      args: ['run', '--config', caddyfile, '--adapter', 'caddyfile'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data') },
      stopSignal: 'SIGTERM',
    };
  });
}
