/**
 * The new token pair a rotation hands out, sealed for a retry within the reuse grace window.
 * Redis must answer a repeated refresh with the same pair, yet never hold a usable token: the
 * pair is encrypted (AES-256-GCM) under a key derived (HKDF-SHA-256) from the refresh secret that
 * was spent for it. Only whoever presents that secret again can open it; Redis keeps only the
 * secret's SHA-256, from which the key cannot be derived.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const INFO = 'tessera refresh replay v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function keyOf(spentSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', spentSecret, Buffer.alloc(0), INFO, 32));
}

export function sealPair(spentSecret: string, sessionSecret: string, refreshSecret: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyOf(spentSecret), iv);
  const body = Buffer.concat([cipher.update(`${sessionSecret}.${refreshSecret}`, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** The pair sealed under spentSecret, or null when it does not open (another secret, damaged data). */
export function openPair(spentSecret: string, sealed: Buffer): { sessionSecret: string; refreshSecret: string } | null {
  if (sealed.length <= IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(spentSecret), sealed.subarray(0, IV_BYTES));
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const text = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    const [sessionSecret, refreshSecret] = text.split('.');
    return sessionSecret && refreshSecret ? { sessionSecret, refreshSecret } : null;
  } catch {
    return null;
  }
}
