/** Serving a request listener on loopback, and closing it without waiting for idle keep-alive sockets. */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { RunningServer } from './types';

export function listen(listener: RequestListener, port: number): Promise<Server> {
  const server = createServer(listener);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Serves GET /me for the load: listens, makes the credential the load presents (it may need the
 * running server, as a cookie login does), and closes the server before releasing its store.
 */
export async function serveMe(
  listener: RequestListener,
  port: number,
  credential: (server: Server) => Record<string, string> | Promise<Record<string, string>>,
  release: () => unknown = () => undefined,
): Promise<RunningServer> {
  const server = await listen(listener, port);
  return {
    server,
    path: '/me',
    headers: await credential(server),
    async close() {
      await closeServer(server);
      await release();
    },
  };
}
