/**
 * What the Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header) needs kept: per
 * caller and key, either a lease (the first request with the key is still running) or the answer
 * it got, to replay. Each is one expiring string in the caller's hash slot, read and claimed in one
 * script, so two instances racing with the same key agree on which one acts. A caller keeps at
 * most IDEMPOTENCY_KEYS_PER_CALLER keys: an index beside them, in the same slot and written by the
 * same script, lets the oldest go when a new one comes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { guard } from './guard';
import type { KeySpace } from './keys';
import { registerScripts, type RedisClient, type ScriptClient } from './scripts';

/** How long an answer is replayed: the draft's suggested day. */
export const IDEMPOTENCY_ANSWER_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a request holds its key: past it a process that died mid-request no longer blocks the
 * key. Far above any request's time (a password hash waits for a worker, but not for a minute).
 */
export const IDEMPOTENCY_LEASE_MS = 60 * 1000;
/**
 * How many keys one caller (a user, or an address for registrations) keeps. A new key past it
 * pushes out the caller's oldest: retries come within minutes, so the latest hundred keep their
 * guarantee, no act is ever refused for the header, and a caller minting fresh keys holds a
 * bounded amount of Redis.
 */
export const IDEMPOTENCY_KEYS_PER_CALLER = 100;

/** Whose keys: a signed-in user's (by routing tag), or an anonymous address's. */
export type IdempotencyScope = { user: string } | { address: string };

/** The part of an answer a replay repeats. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  /** The body as sent, or null for none. */
  body: string | null;
}

/** What a key says to a request that does not hold it. */
export type IdempotencyRefusal =
  | { outcome: 'replay'; answer: StoredAnswer }
  /** A request with the key and the same fingerprint is still running. */
  | { outcome: 'in-flight' }
  /** The key was used for another request (another body, path or method). */
  | { outcome: 'reused' };

/** This request holds the key (act, then complete() or release() with the lease), or why not. */
export type IdempotencyClaim = { outcome: 'claimed'; lease: string } | IdempotencyRefusal;

interface Entry {
  /** The request's fingerprint: method, path and body. */
  f: string;
  /** Set while the request runs. */
  l?: string;
  /** Set once it answered. */
  a?: StoredAnswer;
}

export class IdempotencyStore {
  private readonly scripts: ScriptClient;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
  ) {
    this.scripts = registerScripts(redis);
  }

  /** Claims the key for this request, or says why not: one script. */
  async claim(scope: IdempotencyScope, key: string, fingerprint: string): Promise<IdempotencyClaim> {
    const lease = JSON.stringify({ f: fingerprint, l: randomBytes(12).toString('base64url') } satisfies Entry);
    const previous = await this.claimKey(scope, key, lease, IDEMPOTENCY_LEASE_MS);
    if (previous === null) return { outcome: 'claimed', lease };
    return judge(previous, fingerprint) ?? { outcome: 'in-flight' };
  }

  /** Reads what the key holds, writing nothing (for callers who may not write). Null: nothing yet. */
  async look(scope: IdempotencyScope, key: string, fingerprint: string): Promise<IdempotencyRefusal | null> {
    const stored = await guard(() => this.redis.get(this.keysOf(scope, key).entry));
    if (stored === null) return null;
    return judge(stored, fingerprint) ?? { outcome: 'in-flight' };
  }

  /**
   * Keeps the answer for replay. With a lease, it replaces the lease (unless the key was pushed out
   * meanwhile); without (an anonymous caller, who held none), it is kept only if the key is still
   * free, so the first answer stays the one replayed.
   */
  async complete(scope: IdempotencyScope, key: string, fingerprint: string, answer: StoredAnswer, lease: string | null): Promise<void> {
    const entry = JSON.stringify({ f: fingerprint, a: answer } satisfies Entry);
    if (lease) await guard(() => this.redis.set(this.keysOf(scope, key).entry, entry, 'PX', IDEMPOTENCY_ANSWER_TTL_MS, 'XX'));
    else await this.claimKey(scope, key, entry, IDEMPOTENCY_ANSWER_TTL_MS);
  }

  /** Frees the key after a request that did not succeed, unless another request holds it by now. */
  async release(scope: IdempotencyScope, key: string, lease: string): Promise<void> {
    const { entry, index } = this.keysOf(scope, key);
    await guard(() => this.scripts.tessera_releaseIdempotencyKey(entry, index, lease));
  }

  /** Writes `value` to a free key, within the caller's cap; answers what the key held instead, or null. */
  private async claimKey(scope: IdempotencyScope, key: string, value: string, lifetimeMs: number): Promise<string | null> {
    const { entry, index } = this.keysOf(scope, key);
    const longest = IDEMPOTENCY_ANSWER_TTL_MS + IDEMPOTENCY_LEASE_MS;
    const previous = await guard(() => this.scripts.tessera_claimIdempotencyKey(entry, index, value, lifetimeMs, longest, IDEMPOTENCY_KEYS_PER_CALLER));
    return typeof previous === 'string' ? previous : null;
  }

  private keysOf(scope: IdempotencyScope, key: string): { entry: string; index: string } {
    const keyHash = digest(key);
    if ('user' in scope) return { entry: this.keys.idempotency(scope.user, keyHash), index: this.keys.idempotencyIndex(scope.user) };
    const addressHash = digest(scope.address);
    return { entry: this.keys.addressIdempotency(addressHash, keyHash), index: this.keys.addressIdempotencyIndex(addressHash) };
  }
}

/** What a stored entry means for a request with this fingerprint; null while it is in flight. */
function judge(stored: string, fingerprint: string): IdempotencyRefusal | null {
  const entry = JSON.parse(stored) as Entry;
  if (entry.f !== fingerprint) return { outcome: 'reused' };
  return entry.a ? { outcome: 'replay', answer: entry.a } : null;
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 32);
}
