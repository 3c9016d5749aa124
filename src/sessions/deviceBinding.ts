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
import { importDeviceKey, parseDeviceJwk, readDeviceProof, verifyDeviceProof, type DeviceKey, type ReadDeviceProof } from '../tokens/deviceProof';
import { parseSessionId } from '../tokens/sessionId';
import { formatToken, hashSecret, newSecret, parseToken } from '../tokens/token';

/** The window a bound cookie is accepted in after each proof: 10 minutes, as the draft's examples and Chrome's own use. Seconds. */
export const DEFAULT_DEVICE_WINDOW_SECONDS = 600;
/** Bounds of the window: a refresh costs a TPM signature (hundreds of ms), so not too often; longer than an hour is little binding. Seconds. */
export const DEVICE_WINDOW_RANGE = { min: 10, max: 3600 } as const;
/** Why a second registration is refused (409): one key per session. */
export const ALREADY_BOUND = 'This session is bound to a key already; a new key needs a new sign-in.';
/** Sessions whose imported public key is kept in memory, the least recently renewed dropped first. */
export const DEFAULT_DEVICE_KEY_CACHE_SIZE = 10_000;

/**
 * Bounds the signature checks a client address can make the service do, since the refresh endpoint
 * answers anyone: LoginThrottle, whose per-address budget of failures this shares (a no-op with
 * RATE_LIMITS=off). Throws RateLimitedError (429) for an address over it.
 */
export interface DeviceProofThrottle {
  beforeDeviceProof(address: string): Promise<void>;
  deviceProofFailed(address: string): Promise<void>;
}

export interface DeviceBindingOptions {
  challenges: DeviceChallenges;
  /** How long a cookie is accepted after the key's last proof. Seconds; see DEFAULT_DEVICE_WINDOW_SECONDS. */
  windowSeconds: number;
  /** Counts proofs that fail to verify per client address, and refuses an address over its budget. Default null: no limit. */
  throttle?: DeviceProofThrottle | null;
  /** Sessions whose imported public key is kept. Default DEFAULT_DEVICE_KEY_CACHE_SIZE. */
  keyCacheSize?: number;
}

/** A renewed cookie session: its new token, and when its window and the session end. */
export interface RenewedBinding {
  token: string;
  boundUntil: Date;
  expiresAt: Date;
}

/** A session just bound: when its first window and the session end, and whether it took over a remembered login (whose refresh cookie is void now). */
export interface NewBinding {
  boundUntil: Date;
  expiresAt: Date;
  remembered: boolean;
}

export class DeviceBinding {
  private readonly windowMs: number;
  private readonly keyCacheSize: number;
  /** Session id -> its imported public key, in least-recently-used order (a Map keeps insertion order). */
  private readonly keys = new Map<string, DeviceKey>();

  constructor(
    private readonly store: SessionStore,
    private readonly options: DeviceBindingOptions,
  ) {
    const { min, max } = DEVICE_WINDOW_RANGE;
    if (!Number.isSafeInteger(options.windowSeconds) || options.windowSeconds < min || options.windowSeconds > max) {
      throw new TesseraArgumentError(`deviceBinding windowSeconds must be whole seconds from ${min} to ${max}; got ${String(options.windowSeconds)}.`);
    }
    this.windowMs = options.windowSeconds * 1000;
    this.keyCacheSize = options.keyCacheSize ?? DEFAULT_DEVICE_KEY_CACHE_SIZE;
    if (!Number.isSafeInteger(this.keyCacheSize) || this.keyCacheSize <= 0) {
      throw new TesseraArgumentError(`deviceBinding keyCacheSize must be a positive whole number; got ${String(options.keyCacheSize)}.`);
    }
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
   * must be the start challenge its sign-in's answer offered (issued for that session, not lapsed);
   * `address` is the client's, whose failed proofs are counted. A remembered login's refresh family
   * is superseded with it (NewBinding.remembered). Throws InvalidDeviceProofError for a missing or
   * bad proof or one over no live start challenge of the session (no new challenge is given: only
   * the sign-in's answer carries one, so a copied cookie cannot get its session bound to another
   * key), ConflictError when the session is bound already, RateLimitedError for an address over its budget.
   */
  async register(token: string, proof: string | null, address: string): Promise<NewBinding> {
    const parsed = parseToken(token);
    if (!parsed) throw new DeviceSessionEndedError();
    if (proof === null) throw new InvalidDeviceProofError('Secure-Session-Response is missing');
    const read = readDeviceProof(proof, true);
    if (!read.ok) throw new InvalidDeviceProofError(read.detail);
    // The challenge (an HMAC) before the signature: a proof over none of ours costs no verification.
    if (!(await this.options.challenges.accepts('start', parsed.sessionId, read.proof.jti))) {
      throw new InvalidDeviceProofError(
        'it answers no start challenge this session was offered at sign-in, or the offer has lapsed; a new key needs a new sign-in',
      );
    }
    // Read with its key, a registration proof names one.
    await this.verified(read.proof, address, async () => importDeviceKey(read.proof.jwk!));
    const bound = await this.store.bindDevice(parsed.tag, parsed.localId, hashSecret(parsed.secret), JSON.stringify(read.proof.jwk), this.windowMs);
    if (bound === 'gone') throw new DeviceSessionEndedError();
    if (bound === 'bound') throw new ConflictError(ALREADY_BOUND);
    return { boundUntil: new Date(bound.boundUntilMs), expiresAt: new Date(bound.expiresAtMs), remembered: bound.remembered };
  }

  /**
   * Renews the cookie of session `sessionId` (its public id) against `proof`, a refresh proof by
   * the session's key over a refresh challenge issued for it and not answered before; `address` is
   * the client's, whose failed proofs are counted. Without a proof, or with a lapsed or spent
   * challenge, throws DeviceProofRequiredError with a fresh one (the first, proof-less call reads
   * nothing from Redis); InvalidDeviceProofError for a proof the key did not sign;
   * DeviceSessionEndedError when the session is gone or bound to no key; RateLimitedError for an
   * address over its budget. A refused proof changes nothing.
   */
  async renew(sessionId: string, proof: string | null, address: string): Promise<RenewedBinding> {
    const parts = parseSessionId(sessionId);
    if (!parts) throw new DeviceSessionEndedError();
    const challenge = async () => new DeviceProofRequiredError(await this.options.challenges.issue('refresh', sessionId), sessionId);
    if (proof === null) throw await challenge();
    const read = readDeviceProof(proof, false);
    if (!read.ok) throw new InvalidDeviceProofError(read.detail);
    if (!(await this.options.challenges.accepts('refresh', sessionId, read.proof.jti))) throw await challenge();
    await this.verified(read.proof, address, () => this.keyOf(sessionId, parts.tag, parts.localId));
    const secret = newSecret();
    const renewed = await this.store.renewDeviceBinding(
      parts.tag,
      parts.localId,
      hashSecret(secret),
      read.proof.jti,
      this.windowMs,
      this.options.challenges.lifetimeMs,
    );
    if (renewed === 'replayed') throw await challenge();
    if (renewed === 'gone' || renewed === 'unbound') throw new DeviceSessionEndedError();
    return { token: formatToken(sessionId, secret), boundUntil: new Date(renewed.boundUntilMs), expiresAt: new Date(renewed.expiresAtMs) };
  }

  /**
   * Verifies `proof` with the key `keyOf` finds, within the address' budget: refused while the
   * address is over it (checked alongside finding the key), counted when the proof fails. A key
   * that is not there ends the session for the browser (DeviceSessionEndedError); a key that is no
   * key fails like a bad signature.
   */
  private async verified(proof: ReadDeviceProof, address: string, keyOf: () => Promise<DeviceKey | string | null>): Promise<void> {
    const [key] = await Promise.all([keyOf(), this.options.throttle?.beforeDeviceProof(address)]);
    if (key === null) throw new DeviceSessionEndedError();
    const failure = typeof key === 'string' ? key : verifyDeviceProof(proof, key);
    if (failure === null) return;
    await this.options.throttle?.deviceProofFailed(address);
    throw new InvalidDeviceProofError(failure);
  }

  /** The session's imported public key: from memory, else read and imported once; null when no key is kept for it. */
  private async keyOf(sessionId: string, tag: string, localId: string): Promise<DeviceKey | null> {
    const cached = this.keys.get(sessionId);
    if (cached) {
      this.keys.delete(sessionId);
      this.keys.set(sessionId, cached);
      return cached;
    }
    const stored = await this.store.deviceKey(tag, localId);
    const jwk = stored === null ? null : parseDeviceJwk(stored);
    const key = jwk && importDeviceKey(jwk);
    // Written by bindDevice from a key that imported: anything else is no key of ours.
    if (!key || typeof key === 'string') return null;
    if (this.keys.size >= this.keyCacheSize) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(sessionId, key);
    return key;
  }
}
