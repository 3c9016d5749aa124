/**
 * CORS (the Fetch standard's CORS protocol) for pages on other origins that call Tessera with the
 * client SDK. Only origins listed exactly are answered: no `*`, no prefix, suffix or pattern, so
 * `https://app.example.com.evil.test` is not `https://app.example.com`. Requests from any other
 * origin get no CORS headers at all and the browser keeps their answers from the page.
 *
 * The policy is framework-free: the Koa middleware (middleware/cors.ts) and the library's auth
 * routes in every framework apply it.
 */
import { TesseraArgumentError } from '../errors';

/** Which pages on other origins may call: the service's CORS_ORIGINS, the auth routes' `cors`. */
export interface CorsOptions {
  /** Exact origins (`scheme://host[:port]`, no path) whose pages may call. Empty: no CORS headers at all. */
  origins: readonly string[];
  /**
   * Answer `Access-Control-Allow-Credentials: true`, so listed pages may send cookies. Only for the
   * cookie transport: bearer tokens travel in a header, which needs no credentials. Default false.
   */
  credentials?: boolean;
}

/** The methods Tessera's routes answer. */
export const CORS_ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Request headers the client SDK (and a proof-of-possession or retrying client) sends. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'DPoP', 'X-CSRF-Token', 'Idempotency-Key'] as const;

/**
 * Answer headers a page may read: the slid expiry, a proof nonce, the bearer challenge (the SDK
 * refreshes only on `error="invalid_token"`), the CSRF token of the cookie transport, and when to retry.
 */
export const CORS_EXPOSED_HEADERS = ['Session-Expires', 'DPoP-Nonce', 'WWW-Authenticate', 'X-CSRF-Token', 'Retry-After'] as const;

/** How long a browser may reuse a preflight's answer: ten minutes, so a changed list applies soon. Seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/** Why `text` is not an origin to list, or null when it is one exactly as browsers send it. */
export function corsOriginProblem(text: string): string | null {
  if (text === '*') return '"*" would let every site read the answers; list each origin';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not an origin such as https://app.example.com`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${text}" must start with https:// or http://`;
  if (url.username || url.password) return `"${text}" must not carry a user name or password`;
  if (url.origin !== text) {
    const withoutPath = url.pathname === '/' && !url.search && !url.hash;
    return withoutPath
      ? `"${text}" is not written as browsers send it: write "${url.origin}"`
      : `"${text}" has a path; an origin is scheme://host[:port] only, such as "${url.origin}"`;
  }
  return null;
}

/** What to add to one answer. */
export interface CorsDecision {
  /** A preflight from a listed origin: answer 204 with `headers` and run nothing else. */
  preflight: boolean;
  /** The Access-Control-* headers; none for an origin that is not listed. `Vary: Origin` is the caller's, always. */
  headers: Record<string, string>;
}

/** Which origins get which CORS headers; built once from CorsOptions, asked per request. */
export class CorsPolicy {
  private readonly origins: ReadonlySet<string>;
  private readonly credentials: boolean;

  /** Throws TesseraArgumentError naming each entry that is not an exact origin. */
  constructor(options: CorsOptions) {
    const problems = options.origins.map(corsOriginProblem).filter((problem) => problem !== null);
    if (problems.length > 0) throw new TesseraArgumentError(`CORS origins: ${problems.join('; ')}.`);
    this.origins = new Set(options.origins);
    this.credentials = options.credentials ?? false;
  }

  /** Whether any origin is listed; when none is, answers carry no CORS header, not even Vary. */
  get enabled(): boolean {
    return this.origins.size > 0;
  }

  /**
   * For a request's method and its Origin and Access-Control-Request-Method headers. The origin
   * is compared as the browser sent it, whole: it serializes origins one way (lower case, no
   * default port, no slash), the way the list was checked to be written.
   */
  decide(method: string, origin: string | undefined, requestMethod: string | undefined): CorsDecision {
    if (!origin || !this.origins.has(origin)) return { preflight: false, headers: {} };
    const headers: Record<string, string> = { 'Access-Control-Allow-Origin': origin };
    if (this.credentials) headers['Access-Control-Allow-Credentials'] = 'true';
    if (method.toUpperCase() === 'OPTIONS' && requestMethod) {
      headers['Access-Control-Allow-Methods'] = CORS_ALLOWED_METHODS.join(', ');
      headers['Access-Control-Allow-Headers'] = CORS_ALLOWED_HEADERS.join(', ');
      headers['Access-Control-Max-Age'] = String(CORS_MAX_AGE_SECONDS);
      return { preflight: true, headers };
    }
    headers['Access-Control-Expose-Headers'] = CORS_EXPOSED_HEADERS.join(', ');
    return { preflight: false, headers };
  }
}
