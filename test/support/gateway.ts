/**
 * A shipped gateway configuration (deploy/) run for real: the service, an app behind the gateway,
 * and the proxy in front of both, its config pointed at them on loopback.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BACKENDS } from './backends';
import type { ProxyProcess } from './proxyProcess';
import type { TestService } from './service';
import { useService } from './serviceFixture';

export interface GatewayOptions {
  /** The shipped configuration file. */
  config: string;
  /** The text to swap in the shipped config (each must be there) for the gateway to reach these ports. */
  swaps(ports: { tessera: number; app: number }): [from: string, to: string][];
  /** The app behind the gateway. */
  app: http.RequestListener;
  /** Starts the proxy with the edited config. */
  start(site: string): Promise<ProxyProcess>;
}

/** The gateway is the one proxy in front: its X-Forwarded-* (the origin a DPoP proof names, the client address) are believed. */
const GATEWAY_ENV = { COOKIE_TRANSPORT: 'on', COOKIE_SECURE: 'off', TRUST_PROXY: 'on' };

export interface GatewayFixture {
  readonly service: TestService;
  readonly gateway: ProxyProcess;
}

/** Registers the hooks that start the service, the app and the gateway before the block's tests, and stop them after. */
export function useGateway(options: GatewayOptions): GatewayFixture {
  let app: http.Server | undefined;
  let gateway: ProxyProcess | undefined;
  // Registered first so it runs first: the gateway and the app stop before the service does.
  afterAll(async () => {
    await gateway?.stop();
    const server = app;
    if (server) await new Promise((resolve) => server.close(resolve));
  });
  const suite = useService(BACKENDS[0], GATEWAY_ENV); // HOST is 127.0.0.1
  beforeAll(async () => {
    const server = http.createServer(options.app);
    app = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let site = readFileSync(options.config, 'utf8');
    for (const [from, to] of options.swaps({ tessera: suite.service.port, app: (server.address() as AddressInfo).port })) {
      expect(site).toContain(from);
      site = site.replace(from, to);
    }
    gateway = await options.start(site);
  });

  return {
    get service() {
      return suite.service;
    },
    get gateway() {
      if (!gateway) throw new Error('gateway is read before its beforeAll ran (read it inside a test or hook).');
      return gateway;
    },
  };
}
