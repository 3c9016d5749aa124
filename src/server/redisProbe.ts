/**
 * Waits for a redis-server to answer PING, over a bare socket: a probe that leaves no client,
 * retry timer or reconnection behind whichever way it ends.
 */
import net from 'node:net';

export type RedisAddress = { port: number; host?: string } | { path: string };

/** Whether a redis-server answers PING at `address` now (within half a second). */
export function answersPing(address: RedisAddress): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = 'path' in address ? net.connect(address.path) : net.connect(address.port, address.host ?? '127.0.0.1');
    let reply = '';
    const finish = (alive: boolean) => {
      socket.destroy();
      resolve(alive);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

/** Resolves once the server answers PONG; rejects after timeoutMs, or at once when `gaveUp()` says so. */
export async function waitForPong(address: RedisAddress, timeoutMs: number, gaveUp: () => string | null = () => null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const reason = gaveUp();
    if (reason) throw new Error(reason);
    if (await answersPing(address)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server did not answer PING within ${timeoutMs} ms`);
}
