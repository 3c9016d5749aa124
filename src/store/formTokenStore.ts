/**
 * What Redis keeps of page form tokens: nothing until a form is used. A signed-in form token is
 * signed (tokens/signedInFormToken.ts); when one is sent, its spent marker is written, in its
 * user's hash slot, until the token would have expired anyway, so the second submission of the
 * same form is told "already done" and a page view costs Redis nothing. The key that signs every
 * form token is kept here too, unless the environment provides one.
 */
import { randomBytes } from 'node:crypto';
import { guard } from './guard';
import type { KeySpace } from './keys';
import type { RedisClient } from './scripts';

/** Whose form a token belongs to: a signed-in session's owner (their routing tag). */
export interface FormScope {
  tag: string;
}

export type SpendResult = 'spent-now' | 'already-spent';

export class FormTokenStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
  ) {}

  /**
   * Marks the token `tokenId` (already checked: signed here, for this session and action) spent
   * until `expiresAtMs`. Of two submissions of the same form, exactly one sees it fresh.
   */
  async spend(scope: FormScope, tokenId: string, expiresAtMs: number, nowMs = Date.now()): Promise<SpendResult> {
    const ttlMs = Math.max(1, expiresAtMs - nowMs);
    const set = await guard(() => this.redis.set(this.keys.formToken(scope.tag, tokenId), 'spent', 'PX', ttlMs, 'NX'));
    return set === 'OK' ? 'spent-now' : 'already-spent';
  }

  /** Undoes a spend whose action failed, so the same form can be sent again. */
  async release(scope: FormScope, tokenId: string): Promise<void> {
    await guard(() => this.redis.del(this.keys.formToken(scope.tag, tokenId)));
  }

  /**
   * The key that signs page form tokens, the same for every instance: the first instance to ask
   * stores a random one, every later one reads it (one SET NX GET, once per process).
   */
  async sharedSigningKey(): Promise<Buffer> {
    const candidate = randomBytes(32).toString('base64url');
    const existing = await guard(() => this.redis.set(this.keys.formSigningKey(), candidate, 'NX', 'GET'));
    return Buffer.from(existing ?? candidate, 'base64url');
  }
}
