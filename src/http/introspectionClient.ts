/**
 * Who may call POST /auth/introspect (RFC 7662 §2.1): the resource server, authenticated as an
 * OAuth client by RFC 6749 §2.3.1 (`client_secret_basic` or `client_secret_post`) or by the
 * older `Authorization: Bearer <credential>`; or an admin session. Every check compares SHA-256
 * digests in constant time, so timing tells nothing of the secret, its length or the client id.
 * A failure costs no Redis call (authenticate() spends none on a Basic header or a non-`tess_`
 * bearer), so guessing is bounded by the secret's strength alone: 32 or more characters, checked at
 * start.
 */
import { createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { InvalidClientError, InvalidOAuthRequestError } from '../errors';
import { readBearerToken } from '../middleware/bearerToken';
import { sameSecret } from '../tokens/constantTime';
import { ADMIN_ROLE } from '../validation/rules';
import { guardOf } from '../middleware/access';

export interface IntrospectionClientOptions {
  /** The resource server's `client_id` for client_secret_basic and client_secret_post. */
  clientId: string;
  /** Its secret, also accepted as `Authorization: Bearer <credential>`; null: admin sessions only. */
  credential: string | null;
}

const BASIC = /^Basic +([A-Za-z0-9+/]+=*) *$/i;

/** Lets the request through when its caller proved itself; 401 `invalid_client` otherwise. */
export function introspectionClient(options: IntrospectionClientOptions): Middleware {
  const clientId = sha256(options.clientId);
  const secret = options.credential === null ? null : sha256(options.credential);
  /** Basic credentials: either reading (see basicMatches), for the id and the secret alike. */
  const isBasicClient = (id: string, presentedSecret: string) => secret !== null && (basicMatches(id, clientId) & basicMatches(presentedSecret, secret)) === 1;
  /** Posted credentials arrive decoded by the body parser: compared as they are. */
  const isPostedClient = (id: string, presentedSecret: string) =>
    secret !== null && (Number(sameSecret(sha256(id), clientId)) & Number(sameSecret(sha256(presentedSecret), secret))) === 1;
  const isAdmin = (ctx: Context) => Boolean(ctx.state.user?.roles.includes(ADMIN_ROLE));

  return guardOf({ kind: 'client' }, async function introspectionClient(ctx, next) {
    const authorization = ctx.get('Authorization');
    const form = postedCredentials(ctx);
    if (authorization && form) {
      throw new InvalidOAuthRequestError('Authenticate the client one way: the Authorization header or the client_id and client_secret fields, not both.');
    }
    if (BASIC.test(authorization)) {
      const basic = decodeBasic(authorization);
      if (!basic || !isBasicClient(basic.id, basic.secret)) throw new InvalidClientError('Basic');
    } else if (authorization) {
      // A bearer credential, or an admin's own session token (already checked by authenticate()).
      const bearer = readBearerToken(ctx.get('Authorization'));
      const isCredential = secret !== null && !!bearer && sameSecret(sha256(bearer), secret);
      if (!isCredential && !isAdmin(ctx)) throw new InvalidClientError('Bearer');
    } else if (form) {
      if (form.secret === null || !isPostedClient(form.id, form.secret)) throw new InvalidClientError('Basic');
    } else if (!isAdmin(ctx)) {
      throw new InvalidClientError('Basic');
    }
    await next();
  } as Middleware);
}

/** `client_id` and `client_secret` from the body (client_secret_post); null when neither is there. */
function postedCredentials(ctx: Context): { id: string; secret: string | null } | null {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  if (body.client_id === undefined && body.client_secret === undefined) return null;
  // A client_id alone is the `none` method of a public client, which this server does not accept.
  return {
    id: typeof body.client_id === 'string' ? body.client_id : '',
    secret: typeof body.client_secret === 'string' ? body.client_secret : null,
  };
}

/**
 * The id is everything before the first `:`. A client that form-encodes first (RFC 6749 §2.3.1)
 * sends a `:` of its id as `%3A`, so an id such as `rs:orders` arrives whole.
 */
function decodeBasic(header: string): { id: string; secret: string } | null {
  const decoded = Buffer.from(BASIC.exec(header)![1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/**
 * RFC 6749 §2.3.1 has clients form-encode the id and secret before Basic encoding them
 * (openid-client does), so the form-decoded reading is the standard one; curl -u sends them as
 * they are, so the raw reading is compared too, always both. Either reading is of what the
 * caller sent: neither admits a secret other than the configured one, or its form encoding.
 */
function basicMatches(presented: string, expected: Buffer): number {
  const raw = sameSecret(sha256(presented), expected);
  const decoded = sameSecret(sha256(formDecode(presented)), expected);
  return Number(raw) | Number(decoded);
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
