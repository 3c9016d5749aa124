/** What the bench keeps in an express-session (the same fields for the server and the memory measurement). */
import type { SessionShape } from '../sessionShape';

declare module 'express-session' {
  interface SessionData {
    user: { id: string; roles: string[] };
    device: SessionShape['device'];
    ip: string;
    userAgent: string;
    attributes: SessionShape['attributes'];
  }
}
