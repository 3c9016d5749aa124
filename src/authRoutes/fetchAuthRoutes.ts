/**
 * The auth routes as a fetch-standard handler, `(Request) => Promise<Response>`: what Hono,
 * Next.js route handlers, Bun.serve and Deno.serve take as is. Failures are answered here as
 * problem+json (and logged), carrying the CORS headers like every other answer.
 */
import { answerOf, Problems, type ProblemLogger } from '../http/problemAnswer';
import type { SessionService } from '../sessions/sessionService';
import { NotFoundError } from '../errors';
import { AuthRoutes, type AuthAnswer, type AuthRequest, type AuthRoutesOptions } from './authRoutesCore';

/** The options of `authFetchHandler()`: those of every framework, where to find the client's address, where to log. */
export interface FetchAuthRoutesOptions extends AuthRoutesOptions {
  /** The client's address, recorded with the session: your runtime's (Bun's server.requestIP(), Deno's info.remoteAddr). Default: none. */
  ipOf?: (request: Request) => string | null;
  /** Where failures are logged; pino fits. Default: one line each on the console. */
  logger?: ProblemLogger;
}

/** Answers one of the auth routes' requests, or null for any other path (the app's). */
export type FetchAuthAnswerer = (request: Request, ip: string | null) => Promise<Response | null>;

export function fetchAuthAnswerer(sessions: SessionService, options: AuthRoutesOptions & { logger?: ProblemLogger }): FetchAuthAnswerer {
  const routes = new AuthRoutes(sessions, options);
  // One for the handler, so a flood of busy answers is logged as a count.
  const problems = new Problems({ logger: options.logger, bodyLimitBytes: options.bodyLimitBytes });
  return async (request, ip) => {
    const url = new URL(request.url);
    const path = url.pathname;
    if (!routes.owns(path)) return null;
    const authRequest: AuthRequest = {
      method: request.method,
      path,
      uri: path + url.search,
      origin: url.origin,
      header: (name) => request.headers.get(name) ?? undefined,
      ip,
      body: { stream: request.body },
    };
    const cors = routes.corsOf(authRequest);
    const headers = new Headers(cors.headers);
    if (routes.cors.enabled) headers.append('Vary', 'Origin');
    if (cors.preflight) return new Response(null, { status: 204, headers });
    let answer: AuthAnswer;
    try {
      answer = await routes.answer(authRequest);
    } catch (error) {
      const problem = problems.answer(error, path);
      for (const [name, value] of Object.entries(problem.headers)) headers.set(name, value);
      return new Response(problem.body, { status: problem.status, headers });
    }
    for (const [name, value] of Object.entries(answer.headers)) headers.set(name, value);
    if (answer.body === undefined) return new Response(null, { status: answer.status, headers });
    headers.set('Content-Type', 'application/json');
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers });
  };
}

/**
 * The routes as one handler: `export const GET = handler, POST = handler, OPTIONS = handler` in a
 * Next.js `app/auth/[...path]/route.ts`, or `Bun.serve({ fetch: handler })`. Any other path
 * answers a problem+json 404.
 */
export function authFetchHandler(sessions: SessionService, options: FetchAuthRoutesOptions): (request: Request) => Promise<Response> {
  const answer = fetchAuthAnswerer(sessions, options);
  return async function authFetchHandler(request) {
    const answered = await answer(request, options.ipOf?.(request) ?? null);
    if (answered) return answered;
    const path = new URL(request.url).pathname;
    const problem = answerOf(new NotFoundError(`No route for ${request.method} ${path}.`), path);
    return new Response(problem.body, { status: problem.status, headers: problem.headers });
  };
}
