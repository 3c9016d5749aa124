/**
 * The auth routes as Koa middleware: requests to them are answered here, any other passes on.
 * Failures are thrown, for the app's problemDetails() to answer; the CORS headers are set first,
 * so they travel on those answers too.
 */
import type { Middleware } from 'koa';
import { ownOrigin } from '../middleware/requestOrigin';
import type { SessionService } from '../sessions/sessionService';
import { AuthRoutes, type AuthRequest, type AuthRoutesOptions } from './authRoutesCore';

/** The routes the client SDK speaks (login, refresh, logout, logout-all, session) under "/auth"; other requests pass on. */
export function authRoutes(sessions: SessionService, options: AuthRoutesOptions): Middleware {
  const routes = new AuthRoutes(sessions, options);
  return async function authRoutes(ctx, next) {
    if (!routes.owns(ctx.path)) return next();
    // Parsed already when the app runs a body parser (it types request.body); else read here.
    const parsed = (ctx.request as { body?: unknown }).body;
    const request: AuthRequest = {
      method: ctx.method,
      path: ctx.path,
      uri: ctx.originalUrl,
      origin: ownOrigin(ctx),
      header: (name) => ctx.get(name) || undefined,
      ip: ctx.ip || null,
      body: parsed === undefined ? { stream: ctx.req } : { parsed },
    };
    if (routes.cors.enabled) ctx.vary('Origin');
    const cors = routes.corsOf(request);
    ctx.set(cors.headers);
    if (cors.preflight) {
      ctx.status = 204;
      return;
    }
    const answer = await routes.answer(request);
    ctx.set(answer.headers);
    ctx.status = answer.status;
    if (answer.body !== undefined) ctx.body = answer.body;
  };
}
