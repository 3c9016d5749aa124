/**
 * One-time form tokens against double submission: every rendered form carries one, and the
 * action runs only for the submission that spends it. A token of a signed-in page lives in its
 * user's hash slot; a spent token stays (as "spent") until it expires, so a replay can be told
 * from a token that is simply unknown or expired.
 */
import { randomBytes } from 'node:crypto';
import { guard } from './guard';
import type { KeySpace } from './keys';
import { registerScripts, type RedisClient, type ScriptClient } from './scripts';

/** Whose form a token belongs to: a signed-in session (its owner's routing tag and the session's local id) or nobody yet. */
export type FormScope = { tag: string; sessionLocalId: string } | null;

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
    await guard(() => this.redis.set(this.keyOf(scope, tokenId), `fresh:${bindingOf(scope)}`, 'PX', this.ttlMs));
    return tokenId;
  }

  /** Spends the token for `action` (what the form asks for: its path and target). */
  async spend(scope: FormScope, tokenId: string, action: string): Promise<SpendResult> {
    if (!TOKEN_ID.test(tokenId)) return 'unknown';
    const result = Number(
      await guard(() => this.scripts.tessera_spendFormToken(this.keyOf(scope, tokenId), bindingOf(scope), action)),
    );
    return result === 1 ? 'spent-now' : result === 2 ? 'already-spent' : 'unknown';
  }

  /** Undoes a spend whose action failed, so the same form can be sent again. */
  async release(scope: FormScope, tokenId: string, action: string): Promise<void> {
    if (!TOKEN_ID.test(tokenId)) return;
    await guard(() => this.scripts.tessera_releaseFormToken(this.keyOf(scope, tokenId), bindingOf(scope), action));
  }

  private keyOf(scope: FormScope, tokenId: string): string {
    return scope ? this.keys.formToken(scope.tag, tokenId) : this.keys.anonymousFormToken(tokenId);
  }
}

function bindingOf(scope: FormScope): string {
  return scope ? scope.sessionLocalId : '-';
}
