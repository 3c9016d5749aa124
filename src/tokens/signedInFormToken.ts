/**
 * Form tokens of the signed-in pages (/account, /admin), kept by nobody until used: a token is
 * its expiry and the HMAC of it, the session and the action its form asks for, so viewing a page
 * writes nothing to Redis however often it is done. Sending a form once is enforced by the spent
 * marker (store/formTokenStore.ts), written only when a valid token is used.
 */
import { sameSecret } from './constantTime';
import { signedMac, type FormKeySource } from './formSigningKey';

const SHAPE = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/;

/** A token that checked out: the id its spent marker is kept under, and when it stops being valid. */
export interface CheckedFormToken {
  id: string;
  expiresAtMs: number;
}

/** Signs the forms of one page view of one session, without waiting: the key is already at hand. */
export type FormSigner = (action: string) => string;

/**
 * What a form asks for: the path it posts to and the user and session it acts on (hidden fields),
 * so each form of a page carries its own token, and one form's token cannot send another.
 */
export function formAction(path: string, target: { userId?: string; sessionId?: string } = {}): string {
  return [path, target.userId ?? '', target.sessionId ?? ''].join(' ');
}

export class SignedInFormTokens {
  constructor(
    private readonly key: FormKeySource,
    /** How long a rendered form can be sent. Milliseconds. */
    private readonly ttlMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** A signer for the forms of a page of `sessionId`, all expiring together. */
  async signer(sessionId: string): Promise<FormSigner> {
    const key = await this.key();
    const expires = (this.nowMs() + this.ttlMs).toString(36);
    return (action) => `${expires}.${mac(key, sessionId, action, expires)}`;
  }

  /** The token's id and expiry when it was issued here for this session and action and is still fresh; null otherwise. */
  async check(token: string, sessionId: string, action: string): Promise<CheckedFormToken | null> {
    const match = SHAPE.exec(token);
    if (!match) return null;
    const [, expires, presented] = match;
    const expected = mac(await this.key(), sessionId, action, expires);
    const expiresAtMs = parseInt(expires, 36);
    if (!sameSecret(presented, expected) || expiresAtMs <= this.nowMs()) return null;
    return { id: presented, expiresAtMs };
  }
}

function mac(key: Buffer, sessionId: string, action: string, expires: string): string {
  return signedMac(key, 'tessera-signed-in-form', sessionId, action, expires);
}
