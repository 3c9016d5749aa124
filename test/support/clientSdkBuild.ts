/**
 * The client SDK as a browser loads it: its ES-module build (what `npm run build` puts in
 * dist/client-esm), made into a temp folder of its own so no other suite's build or clean of dist/
 * runs into it, and the service's app serving it beside the API (EXAMPLE_APP=on).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { createApp } from '../../src/http/app';
import { REPO_ROOT } from '../../src/paths';
import type { TestService } from './service';

/** A folder holding the SDK's ES modules; `remove()` deletes it. */
export interface ClientSdkBuild {
  dir: string;
  remove(): void;
}

export async function buildClientSdk(): Promise<ClientSdkBuild> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-client-esm-'));
  await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.client.json', '--outDir', dir], {
    cwd: REPO_ROOT,
  });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The service's app on an origin of its own, with the example page on and the SDK from `sdkDir`. */
export async function serveExampleApp(service: TestService, sdkDir: string): Promise<{ origin: string; close(): Promise<void> }> {
  const app = createApp({ ...service, logger: pino({ level: 'silent' }), trustedProxyHops: 0, bodyLimitBytes: 16_384, exampleApp: { sdkDir } });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
