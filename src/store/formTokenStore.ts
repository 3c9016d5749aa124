/**
 * One-time form tokens against double submission: every form of a signed-in page carries one,
 * and the action runs only for the submission that spends it. A token lives in its user's hash
 * slot; a spent token stays (as "spent") until it expires, so a replay can be told from a token
 * that is simply unknown or expired. Signed-out forms keep nothing here: their tokens are signed
 * (tokens/signedOutFormToken.ts) with the one key this store also keeps.
 */
import { randomBytes } from 'node:crypto';
import { guard } from './guard';
import { sharedRandomKey } from './sharedKey';
import type { KeySpace } from './keys';
import { registerScripts, type RedisClient, type ScriptClient } from './scripts';

/** Whose form a token belongs to: a signed-in session (its owner's routing tag and the session's local id). */
export interface FormScope {
  tag: string;
  sessionLocalId: string;
}

export type SpendResult = 'spent-now' | 'already-spent' | 'unknown';

const TOKEN_ID = /^[A-Za-z0-9_-]{22}$/;

export class FormTokenStore {
  private readonly scripts: ScriptClient;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
    /** How long an unspent token stays valid, and a spent one is remembered. Milliseconds. */
    private readonly ttlMs: number,
  ) {
    this.scripts = registerScripts(redis);
  }

  async issue(scope: FormScope): Promise<string> {
    const tokenId = randomBytes(16).toString('base64url');
    await guard(() => this.redis.set(this.keys.formToken(scope.tag, tokenId), `fresh:${scope.sessionLocalId}`, 'PX', this.ttlMs));
    return tokenId;
  }

  /** Spends the token for `action` (what the form asks for: its path and target). */
  async spend(scope: FormScope, tokenId: string, action: string): Promise<SpendResult> {
    if (!TOKEN_ID.test(tokenId)) return 'unknown';
    const result = Number(
      await guard(() => this.scripts.tessera_spendFormToken(this.keys.formToken(scope.tag, tokenId), scope.sessionLocalId, action)),
    );
    return result === 1 ? 'spent-now' : result === 2 ? 'already-spent' : 'unknown';
  }

  /** Undoes a spend whose action failed, so the same form can be sent again. */
  async release(scope: FormScope, tokenId: string, action: string): Promise<void> {
    if (!TOKEN_ID.test(tokenId)) return;
    await guard(() => this.scripts.tessera_releaseFormToken(this.keys.formToken(scope.tag, tokenId), scope.sessionLocalId, action));
  }

  /** The key that signs signed-out form tokens, the same for every instance (sharedKey.ts). */
  sharedSigningKey(): Promise<Buffer> {
    return sharedRandomKey(this.redis, this.keys.formSigningKey());
  }
}
