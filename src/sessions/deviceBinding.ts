/**
 * Device-bound sessions for the cookie transport (W3C DBSC, Editor's Draft of February 2026),
 * free of HTTP. A browser registers a key for its session; from then on the session's cookie is
 * accepted only within a short window (touch.lua refuses it after), and a new window costs a
 * signature by that key over a fresh challenge. Each renewal also gives the session a new secret,
 * so a copied cookie is refused at the owner's next renewal at the latest. A browser that never
 * registers keeps a plain cookie session.
 */
import { ConflictError, DeviceProofRequiredError, DeviceSessionEndedError, InvalidDeviceProofError, TesseraArgumentError } from '../errors';
import type { SessionStore } from '../store/sessionStore';
import type { DeviceChallenges } from '../tokens/deviceChallenge';
import { checkDeviceProof, parseDeviceJwk } from '../tokens/deviceProof';
import { parseSessionId } from '../tokens/sessionId';
import { formatToken, hashSecret, newSecret, parseToken } from '../tokens/token';

/** The window a bound cookie is accepted in after each proof: 10 minutes, as the draft's examples and Chrome's own use. Seconds. */
export const DEFAULT_DEVICE_WINDOW_SECONDS = 600;
/** Bounds of the window: a refresh costs a TPM signature (hundreds of ms), so not too often; longer than an hour is little binding. Seconds. */
export const DEVICE_WINDOW_RANGE = { min: 10, max: 3600 } as const;

export interface DeviceBindingOptions {
  challenges: DeviceChallenges;
  /** How long a cookie is accepted after the key's last proof. Seconds; see DEFAULT_DEVICE_WINDOW_SECONDS. */
  windowSeconds: number;
}

/** A renewed cookie session: its new token, and when its window and the session end. */
export interface RenewedBinding {
  token: string;
  boundUntil: Date;
  expiresAt: Date;
}

export class DeviceBinding {
  private readonly windowMs: number;

  constructor(
    private readonly store: SessionStore,
    private readonly options: DeviceBindingOptions,
  ) {
    const { min, max } = DEVICE_WINDOW_RANGE;
    if (!Number.isSafeInteger(options.windowSeconds) || options.windowSeconds < min || options.windowSeconds > max) {
      throw new TesseraArgumentError(`deviceBinding windowSeconds must be whole seconds from ${min} to ${max}; got ${String(options.windowSeconds)}.`);
    }
    this.windowMs = options.windowSeconds * 1000;
  }

  get windowSeconds(): number {
    return this.options.windowSeconds;
  }

  /** The registration challenge of the session a token opens; null for a token that is none of ours. */
  async registrationChallenge(token: string): Promise<{ sessionId: string; challenge: string } | null> {
    const parsed = parseToken(token);
    if (!parsed) return null;
    return { sessionId: parsed.sessionId, challenge: await this.options.challenges.issue('start', parsed.sessionId) };
  }

  /**
   * Binds the live session `token` opens to the key in the registration proof `proof`, whose jti
   * must be a start challenge issued for that session. `keyUntil` is when the key may be dropped
   * (the session's absolute end). Answers when the first window ends. Throws InvalidDeviceProofError
   * for a bad proof, DeviceProofRequiredError for a lapsed challenge, ConflictError when the session
   * is bound already.
   */
  async register(token: string, proof: string | null, keyUntil: Date): Promise<Date> {
    const parsed = parseToken(token);
    if (!parsed) throw new DeviceSessionEndedError();
    if (proof === null) throw new DeviceProofRequiredError(await this.options.challenges.issue('start', parsed.sessionId), parsed.sessionId);
    const checked = checkDeviceProof(proof, null);
    if (!checked.ok) throw new InvalidDeviceProofError(checked.detail);
    if (!(await this.options.challenges.accepts('start', parsed.sessionId, checked.jti))) {
      throw new DeviceProofRequiredError(await this.options.challenges.issue('start', parsed.sessionId), parsed.sessionId);
    }
    const bound = await this.store.bindDevice(
      parsed.tag,
      parsed.localId,
      hashSecret(parsed.secret),
      JSON.stringify(checked.jwk),
      this.windowMs,
      keyUntil.getTime(),
    );
    if (bound === 'gone') throw new DeviceSessionEndedError();
    if (bound === 'bound') throw new ConflictError('This session is bound to a key already; a new key needs a new sign-in.');
    return new Date(bound);
  }

  /**
   * Renews the cookie of session `sessionId` (its public id) against `proof`, a refresh proof by
   * the session's key over a refresh challenge issued for it and not answered before. Without a
   * proof, or with a lapsed or spent challenge, throws DeviceProofRequiredError with a fresh one;
   * InvalidDeviceProofError for a proof the key did not sign; DeviceSessionEndedError when the
   * session is gone or bound to no key. A refused proof changes nothing.
   */
  async renew(sessionId: string, proof: string | null): Promise<RenewedBinding> {
    const parts = parseSessionId(sessionId);
    if (!parts) throw new DeviceSessionEndedError();
    const challenge = async () => new DeviceProofRequiredError(await this.options.challenges.issue('refresh', sessionId), sessionId);
    if (proof === null) throw await challenge();
    const stored = await this.store.deviceKey(parts.tag, parts.localId);
    const key = stored === null ? null : parseDeviceJwk(stored);
    if (!key) throw new DeviceSessionEndedError();
    const checked = checkDeviceProof(proof, key);
    if (!checked.ok) throw new InvalidDeviceProofError(checked.detail);
    if (!(await this.options.challenges.accepts('refresh', sessionId, checked.jti))) throw await challenge();
    const secret = newSecret();
    const renewed = await this.store.renewDeviceBinding(
      parts.tag,
      parts.localId,
      hashSecret(secret),
      checked.jti,
      this.windowMs,
      this.options.challenges.lifetimeMs,
    );
    if (renewed === 'replayed') throw await challenge();
    if (renewed === 'gone' || renewed === 'unbound') throw new DeviceSessionEndedError();
    return { token: formatToken(sessionId, secret), boundUntil: new Date(renewed.boundUntilMs), expiresAt: new Date(renewed.expiresAtMs) };
  }
}
