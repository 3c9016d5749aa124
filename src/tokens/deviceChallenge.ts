/**
 * The challenges a browser signs to register or renew a device-bound session (DBSC), kept by
 * nobody: a challenge is a time bucket, a random nonce and the HMAC of them, its purpose and its
 * session id under the key every instance shares, so issuing one writes nothing and any instance
 * checks another's. It is good in its own bucket and the next; the nonce makes each one issued
 * unique, so a renewal spends one challenge in Redis (renewDeviceBinding.lua) and the next 403
 * still carries a usable one. A registration needs no such mark (a session is bound once).
 */
import { randomBytes } from 'node:crypto';
import { sameSecret } from './constantTime';
import { cachedFormKey, signedMac, type FormKeySource } from './formSigningKey';

/** What a challenge is for: the start (registration) endpoint, or the refresh endpoint. */
export type ChallengePurpose = 'start' | 'refresh';

const SHAPE = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})$/;

/** Random bytes per challenge: enough that two challenges of one session and bucket never meet. */
const NONCE_BYTES = 12;

/** Long enough for a TPM to make a key or sign (Chrome measured 200 ms at P50, 600 ms at P95), short enough to be worth little to a thief. */
export const CHALLENGE_BUCKET_MS = 60_000;

export class DeviceChallenges {
  private readonly signingKey: FormKeySource;

  constructor(
    /** Where the shared key comes from (the one kept in Redis, FORM_SECRET, or a fixed one in tests). */
    keySource: FormKeySource,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.signingKey = cachedFormKey(keySource);
  }

  /** How long a challenge is accepted at most: its bucket and the next. Milliseconds. */
  get lifetimeMs(): number {
    return 2 * CHALLENGE_BUCKET_MS;
  }

  /** A new challenge for `sessionId` (its public id), for `purpose`: unlike any issued before. */
  async issue(purpose: ChallengePurpose, sessionId: string): Promise<string> {
    const bucket = Math.floor(this.nowMs() / CHALLENGE_BUCKET_MS);
    const nonce = randomBytes(NONCE_BYTES).toString('base64url');
    return `${bucket.toString(36)}.${nonce}.${await this.mac(purpose, sessionId, bucket, nonce)}`;
  }

  /** Whether `challenge` was issued for `sessionId` and `purpose` in this bucket or the one before. */
  async accepts(purpose: ChallengePurpose, sessionId: string, challenge: string): Promise<boolean> {
    const match = SHAPE.exec(challenge);
    if (!match) return false;
    const bucket = parseInt(match[1], 36);
    const now = Math.floor(this.nowMs() / CHALLENGE_BUCKET_MS);
    if (bucket !== now && bucket !== now - 1) return false;
    return sameSecret(match[3], await this.mac(purpose, sessionId, bucket, match[2]));
  }

  private async mac(purpose: ChallengePurpose, sessionId: string, bucket: number, nonce: string): Promise<string> {
    return signedMac(await this.signingKey(), 'tessera-dbsc-challenge', purpose, sessionId, String(bucket), nonce);
  }
}
