/**
 * Safe retries of unsafe requests with the Idempotency-Key header
 * (draft-ietf-httpapi-idempotency-key-header): the same key with the same request from the same
 * caller within a day gets the first answer again, marked `Idempotent-Replayed: true`, and nothing
 * is done twice. The same key with another request answers 422; while the first is still running,
 * 409. Only successful answers are kept: a failed request changed nothing, so its retry runs again.
 * Requests are compared by method, path and body, but for password fields, of which Tessera keeps
 * nothing but the bcrypt hash. So that another password under the same key is not answered with
 * the first one's success, a replay of a request with a password proves it again (ReplayProof):
 * against the account's bcrypt hash, counted by the same throttles as the act itself, and 422 when
 * it does not hold. Proving against the account, rather than keeping a slow digest of the password
 * with the answer, adds no copy of a password's hash to Redis and no hashing to the first request;
 * a replay after the password changed once more answers 422, as it is no longer the same request.
 *
 * Signed-in callers' keys live in their user's hash slot, and a lease keeps a twin request from
 * acting while the first runs. Anonymous callers (registration) may write nothing to Redis before
 * they have done something, so their key is written only with a successful answer (a user now
 * exists, and registrations per address are throttled); until then a twin is not held back, and
 * the username's uniqueness keeps it from registering twice. Either kind of caller keeps a bounded
 * number of keys (IDEMPOTENCY_KEYS_PER_CALLER), the oldest pushed out by a new one.
 */
import { createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError, ValidationError } from '../errors';
import type { IdempotencyRefusal, IdempotencyScope, IdempotencyStore, StoredAnswer } from '../store/idempotencyStore';
import { parseSessionId } from '../tokens/sessionId';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** Headers of an answer that a replay repeats; others (a request id, a date) belong to each answer. */
const REPLAYED_HEADERS = ['content-type', 'cache-control', 'location'];

/** An sf-string (RFC 8941), quoted as the draft asks, or the same characters bare as many clients send. */
const KEY = /^"?([\x20-\x21\x23-\x5b\x5d-\x7e]{1,255})"?$/;

/** `session`: behind a guard, keys per signed-in user. `address`: anonymous, keys per client address. */
export type IdempotencyCaller = 'session' | 'address';

/**
 * Whether a replayed request's password fields hold now, for the answer kept for its key (true:
 * replay it). Throttled and counted like the act, so replays are no faster password oracle.
 */
export type ReplayProof = (ctx: Context, answer: StoredAnswer) => Promise<boolean>;

/**
 * `proveReplay`: for a route whose body holds a password field; without one, a replay of such a
 * request is refused (422) rather than answered unproven.
 */
export function idempotencyKey(store: IdempotencyStore, caller: IdempotencyCaller, proveReplay: ReplayProof | null = null): Middleware {
  return async function idempotencyKey(ctx, next) {
    const key = keyOf(ctx);
    if (key === null) return next();
    const scope = scopeOf(ctx, caller);
    const fingerprint = fingerprintOf(ctx);
    const answerFromStore = (refusal: IdempotencyRefusal) => answerKept(ctx, refusal, proveReplay);
    if (caller === 'address') {
      const seen = await store.look(scope, key, fingerprint);
      if (seen) return answerFromStore(seen);
      await next();
      if (succeeded(ctx)) await store.complete(scope, key, fingerprint, answerOf(ctx), null);
      return;
    }
    const claim = await store.claim(scope, key, fingerprint);
    if (claim.outcome !== 'claimed') return answerFromStore(claim);
    try {
      await next();
    } catch (error) {
      // The lease expires by itself should Redis fail here too; the request's own error is the answer.
      await store.release(scope, key, claim.lease).catch(() => undefined);
      throw error;
    }
    // The act is done: a failure to keep its answer must not turn it into an error (a retry after
    // the lease runs out acts again, as it would without a key).
    if (succeeded(ctx)) await store.complete(scope, key, fingerprint, answerOf(ctx), claim.lease).catch(() => undefined);
    else await store.release(scope, key, claim.lease).catch(() => undefined);
  };
}

function keyOf(ctx: Context): string | null {
  const raw = ctx.get(IDEMPOTENCY_KEY_HEADER);
  if (raw === '') return null;
  const match = KEY.exec(raw.trim());
  if (!match) throw new ValidationError([{ field: IDEMPOTENCY_KEY_HEADER, message: 'must be 1-255 printable ASCII characters, as a quoted string' }]);
  return match[1];
}

function scopeOf(ctx: Context, caller: IdempotencyCaller): IdempotencyScope {
  if (caller === 'address') return { address: ctx.ip };
  const session = ctx.state.session;
  const parts = session ? parseSessionId(session.id) : null;
  if (!parts) throw new Error('idempotencyKey(store, "session") used on a route without requireAuth()');
  return { user: parts.tag };
}

/**
 * Fields left out of the comparison: a fast hash of a body holding a password would let whoever
 * reads Redis guess the password far faster than its bcrypt hash allows.
 */
const SECRET_FIELDS = new Set(['password', 'currentPassword', 'newPassword']);

function fingerprintOf(ctx: Context): string {
  const body = bodyFields(ctx);
  const compared = body ? withoutSecrets(body) : (ctx.request as { body?: unknown }).body;
  return requestFingerprint(ctx.method, ctx.path, compared === undefined ? '' : JSON.stringify(compared));
}

function bodyFields(ctx: Context): Record<string, unknown> | null {
  const { body } = ctx.request as { body?: unknown };
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
}

function holdsSecret(ctx: Context): boolean {
  const body = bodyFields(ctx);
  return body !== null && Object.keys(body).some((name) => SECRET_FIELDS.has(name));
}

function withoutSecrets(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).map(([name, value]) => [name, SECRET_FIELDS.has(name) ? null : value]));
}

/** A request as Tessera compares them: method, path and the parsed body, its password fields left out. */
export function requestFingerprint(method: string, path: string, body: string): string {
  return createHash('sha256').update(`${method} ${path}\n`).update(body).digest('base64url');
}

function succeeded(ctx: Context): boolean {
  return ctx.status >= 200 && ctx.status < 300;
}

function answerOf(ctx: Context): StoredAnswer {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = ctx.response.get(name);
    if (value) headers[name] = value;
  }
  const { body } = ctx;
  return { status: ctx.status, headers, body: body === null || body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body) };
}

async function answerKept(ctx: Context, claim: IdempotencyRefusal, proveReplay: ReplayProof | null): Promise<void> {
  if (claim.outcome === 'reused') throw new IdempotencyKeyReusedError();
  if (claim.outcome === 'in-flight') throw new IdempotencyKeyInFlightError();
  if (holdsSecret(ctx) && !(proveReplay && (await proveReplay(ctx, claim.answer)))) throw new IdempotencyKeyReusedError();
  const { status, headers, body } = claim.answer;
  ctx.status = status;
  if (body !== null) ctx.body = body;
  ctx.set(headers);
  ctx.set(REPLAYED_HEADER, 'true');
}
