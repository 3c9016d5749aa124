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
  const isClient = (id: string, presentedSecret: string) =>
    secret !== null && (matchesFormEncoded(id, clientId) & matchesFormEncoded(presentedSecret, secret)) === 1;
  const isAdmin = (ctx: Context) => Boolean(ctx.state.user?.roles.includes(ADMIN_ROLE));

  return guardOf({ kind: 'client' }, async function introspectionClient(ctx, next) {
    const authorization = ctx.get('Authorization');
    const form = postedCredentials(ctx);
    if (authorization && form) {
      throw new InvalidOAuthRequestError('Authenticate the client one way: the Authorization header or the client_id and client_secret fields, not both.');
    }
    if (BASIC.test(authorization)) {
      const basic = decodeBasic(authorization);
      if (!basic || !isClient(basic.id, basic.secret)) throw new InvalidClientError('Basic');
    } else if (authorization) {
      // A bearer credential, or an admin's own session token (already checked by authenticate()).
      const bearer = readBearerToken(ctx.get('Authorization'));
      const isCredential = secret !== null && !!bearer && sameSecret(sha256(bearer), secret);
      if (!isCredential && !isAdmin(ctx)) throw new InvalidClientError('Bearer');
    } else if (form) {
      if (form.secret === null || !isClient(form.id, form.secret)) throw new InvalidClientError('Basic');
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

function decodeBasic(header: string): { id: string; secret: string } | null {
  const decoded = Buffer.from(BASIC.exec(header)![1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/**
 * RFC 6749 §2.3.1 has clients form-encode the id and secret before Basic encoding them
 * (openid-client does; curl -u does not), so both readings are compared, always both.
 * The allowed alphabets hold neither `%` nor a space, so the second reading admits no other secret.
 */
function matchesFormEncoded(presented: string, expected: Buffer): number {
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
