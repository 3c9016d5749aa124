/**
 * Device credentials (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a client
 * that signed in as a user gets one, and brings it to that user's later logins, which then count
 * against the device's own budget and pass the lock an attack puts on the username. Kept by
 * nobody: the credential is the user id, a random device id and an expiry, with the HMAC of them
 * under the key every instance shares (the one that signs the signed-out forms, under a label of
 * its own, so neither can pass for the other).
 */
import { randomBytes } from 'node:crypto';
import { sameSecret } from './constantTime';
import { cachedFormKey, signedMac, type FormKeySource } from './formSigningKey';

const PREFIX = 'tdev1';
/** How every device token starts (the log scrubs anything that does). */
export const DEVICE_TOKEN_PREFIX = `${PREFIX}.`;
const SHAPE = /^tdev1\.([0-9A-Za-z]{1,64})\.([A-Za-z0-9_-]{22})\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/;

/** A device credential that checked out: whose it is and which device it names. */
export interface TrustedDevice {
  userId: string;
  /** Random, fixed for the device's life: what its own failure budget is kept under. */
  deviceId: string;
}

export class DeviceTokens {
  private readonly signingKey: FormKeySource;

  constructor(
    /** Where the shared signing key comes from (an environment secret, or the one kept in Redis). */
    keySource: () => Promise<Buffer>,
    /** How long a credential is good for; each login renews it. Milliseconds. */
    private readonly ttlMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.signingKey = cachedFormKey(keySource);
  }

  /** A credential for this user's device; `deviceId` keeps a known device's id, else a new one is drawn. */
  async issue(userId: string, deviceId: string = randomBytes(16).toString('base64url')): Promise<{ token: string; expiresAt: Date }> {
    const expiresMs = this.nowMs() + this.ttlMs;
    const body = `${PREFIX}.${userId}.${deviceId}.${expiresMs.toString(36)}`;
    return { token: `${body}.${await this.mac(body)}`, expiresAt: new Date(expiresMs) };
  }

  /** The device a credential names, when it was issued here and has not expired; null otherwise (absent, forged, expired). */
  async read(token: string | undefined): Promise<TrustedDevice | null> {
    const match = token === undefined ? null : SHAPE.exec(token);
    if (!match) return null;
    const [, userId, deviceId, expires, presented] = match;
    const expected = await this.mac(`${PREFIX}.${userId}.${deviceId}.${expires}`);
    return sameSecret(presented, expected) && parseInt(expires, 36) > this.nowMs() ? { userId, deviceId } : null;
  }

  private async mac(body: string): Promise<string> {
    return signedMac(await this.signingKey(), 'tessera-device', body);
  }
}
