/**
 * Form tokens of the signed-out pages (log in, register), kept by nobody: the token is its own
 * expiry and the HMAC of it and the form's path under a key every instance shares, so a page view
 * by a visitor without an account costs Redis nothing. It proves a form was rendered here, for
 * this form, recently; it cannot prove it is sent only once, which those two forms do not need:
 * sending either twice ends the same way (signed in as that user).
 */
import { sameSecret } from './constantTime';
import { signedMac, type FormKeySource } from './formSigningKey';

const SHAPE = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/;

export class SignedOutFormTokens {
  constructor(
    /** The shared signing key (see formSigningKey.ts). */
    private readonly key: FormKeySource,
    /** How long a rendered form can be sent. Milliseconds. */
    private readonly ttlMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** A token for the form that posts to `target` (its path). */
  async issue(target: string): Promise<string> {
    const expires = (this.nowMs() + this.ttlMs).toString(36);
    return `${expires}.${await this.mac(expires, target)}`;
  }

  /** Whether `token` was issued here for `target` and has not expired. */
  async check(token: string, target: string): Promise<boolean> {
    const match = SHAPE.exec(token);
    if (!match) return false;
    const [, expires, presented] = match;
    const expected = await this.mac(expires, target);
    return sameSecret(presented, expected) && parseInt(expires, 36) > this.nowMs();
  }

  private async mac(expires: string, target: string): Promise<string> {
    return signedMac(await this.key(), 'tessera-signed-out-form', target, expires);
  }
}
