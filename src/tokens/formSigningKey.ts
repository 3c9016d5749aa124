/**
 * The one key that signs what Tessera keeps nowhere (every page form token, signed-in and
 * signed-out, the device tokens and the DPoP nonces), the same on every instance: fetched once per process (from
 * an environment secret, or the one kept in Redis) and kept, so no page view asks Redis for it.
 * A failed fetch is retried at the next use.
 */
import { createHmac } from 'node:crypto';

export type FormKeySource = () => Promise<Buffer>;

export function cachedFormKey(source: FormKeySource): FormKeySource {
  let key: Promise<Buffer> | null = null;
  return () => {
    key ??= source().catch((error: unknown) => {
      key = null;
      throw error;
    });
    return key;
  };
}

/** The first 128 bits of an HMAC-SHA256 are plenty against forgery and keep a token short. */
const MAC_BYTES = 16;

/**
 * The MAC of `parts` under `label`, base64url: the label keeps one kind of token from passing for
 * another signed with the same key.
 */
export function signedMac(key: Buffer, label: string, ...parts: string[]): string {
  return createHmac('sha256', key)
    .update([label, ...parts].join('\n'))
    .digest()
    .subarray(0, MAC_BYTES)
    .toString('base64url');
}
