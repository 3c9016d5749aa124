/**
 * Server nonces for DPoP proofs (RFC 9449 §8), kept by nobody: a nonce is a time bucket and the
 * HMAC of it under a key every instance shares, so issuing and checking one costs Redis nothing and
 * any instance accepts another's. A nonce is good in its own bucket and the next one, which bounds
 * how long a proof signed ahead of time (by a script running in the page) stays usable.
 */
import { sameSecret } from './constantTime';
import { cachedFormKey, signedMac, type FormKeySource } from './formSigningKey';

const SHAPE = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/;

/** Issues and checks the server nonces of DPoP proofs, under a key every instance shares. */
export class DpopNonces {
  private readonly signingKey: FormKeySource;
  private cached: { bucket: number; nonce: string } | null = null;

  constructor(
    /** Where the shared key comes from (the one kept in Redis, or a fixed one in tests). */
    keySource: () => Promise<Buffer>,
    /** Length of a bucket. Milliseconds. */
    private readonly bucketMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.signingKey = cachedFormKey(keySource);
  }

  /** Fetches the key ahead of the first proof; a failure is retried at the next use. */
  async prime(): Promise<void> {
    await this.signingKey();
  }

  /** The nonce of the current bucket, computed once per bucket. */
  async current(): Promise<string> {
    const bucket = Math.floor(this.nowMs() / this.bucketMs);
    if (this.cached?.bucket !== bucket) this.cached = { bucket, nonce: `${bucket.toString(36)}.${await this.mac(bucket)}` };
    return this.cached.nonce;
  }

  /** Whether `nonce` was issued here in this bucket or the one before. */
  async accepts(nonce: unknown): Promise<boolean> {
    if (typeof nonce !== 'string') return false;
    const match = SHAPE.exec(nonce);
    if (!match) return false;
    const bucket = parseInt(match[1], 36);
    const now = Math.floor(this.nowMs() / this.bucketMs);
    if (bucket !== now && bucket !== now - 1) return false;
    return sameSecret(match[2], await this.mac(bucket));
  }

  private async mac(bucket: number): Promise<string> {
    return signedMac(await this.signingKey(), 'tessera-dpop-nonce', String(bucket));
  }
}
