/**
 * Logs in to a cookie-session server (POST /login) and turns its Set-Cookie answer into the
 * Cookie header the load presents, as a browser would.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

export async function cookieLogin(server: Server): Promise<string> {
  const { port } = server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}/login`, { method: 'POST' });
  if (response.status !== 204) throw new Error(`POST /login answered ${response.status}`);
  const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]);
  if (cookies.length === 0) throw new Error('POST /login set no cookie');
  return cookies.join('; ');
}
