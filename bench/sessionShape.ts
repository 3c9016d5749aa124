/**
 * The one realistic session every store in the bench holds: a device, an IP address, a
 * 120-character browser user agent, roles and two attributes. The throughput servers and the
 * memory measurement all build their sessions from here, so no store is measured carrying less.
 */
import { randomUUID } from 'node:crypto';

/** A real Opera-on-Linux user agent, exactly 120 characters (the size the memory target is quoted for). */
export const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.108 Safari/537.36 OPR/116.0.0.0';

export interface SessionShape {
  userId: string;
  roles: string[];
  device: { type: string; name: string };
  ip: string;
  userAgent: string;
  /** Two application attributes, as an app would keep in its session. */
  attributes: { locale: string; lastProject: string };
}

/** The n-th session: a fresh user id (a UUID, as apps commonly use) and an address that varies with n. */
export function sessionShape(n: number): SessionShape {
  return {
    userId: randomUUID(),
    roles: ['member'],
    device: { type: 'web', name: 'Opera on Linux' },
    ip: `198.51.${(n >> 8) & 255}.${n & 255}`,
    userAgent: USER_AGENT,
    attributes: { locale: 'en-GB', lastProject: `prj_${(1_000_000 + n).toString(36)}` },
  };
}
