/**
 * The throttles' counters in Redis, through rate-limiter-flexible: each counter is one string key
 * that expires, each check or count is one atomic round trip (a script, or MULTI on one key), so
 * every instance shares them and they work on Redis Cluster. Answers are plain numbers; the
 * policy (what to refuse, what to audit) is limits/loginThrottle.ts.
 */
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { ResolvedThrottleOptions } from '../throttleOptions';
import { guard } from './guard';
import type { KeySpace } from './keys';
import type { RedisClient } from './scripts';

/** What one failed login set off; each is reported once, by the failure that starts it. */
export interface FailureOutcome {
  /** A lockout of this username at this address began, for this long. Seconds. */
  lockoutSeconds: number | null;
  /** This address reached its failure limit (spraying). */
  addressLimited: boolean;
  /** This username reached its failure limit over all addresses. */
  usernameLimited: boolean;
  /** A trusted device reached its own failure limit. */
  deviceLimited: boolean;
}

export interface ThrottleSubject {
  username?: string;
  address?: string;
}

export class ThrottleStore {
  /** Failures in a row of one username at one address; set to the limit for the length of a lockout. */
  private readonly consecutive: RateLimiterRedis;
  /** Lockouts of one username at one address, so each next one lasts twice as long. */
  private readonly lockouts: RateLimiterRedis;
  private readonly address: RateLimiterRedis;
  private readonly username: RateLimiterRedis;
  private readonly registrations: RateLimiterRedis;
  /** Failed logins with one trusted device's credential. */
  private readonly device: RateLimiterRedis;
  /** Set while an address has signed in as a username within the trust period: it passes that username's lock. */
  private readonly knownAddress: RateLimiterRedis;
  /** Wrong current passwords in a row in one session, and that session's lockouts, as for an address and a username. */
  private readonly sessionConsecutive: RateLimiterRedis;
  private readonly sessionLockouts: RateLimiterRedis;

  constructor(
    redis: RedisClient,
    keys: KeySpace,
    private readonly options: ResolvedThrottleOptions,
  ) {
    const limiter = (kind: string, points: number, durationSeconds: number) =>
      new RateLimiterRedis({ storeClient: redis, keyPrefix: keys.throttle(kind), points, duration: durationSeconds });
    this.consecutive = limiter('lf', options.loginFreeTries, options.loginMemorySeconds);
    this.lockouts = limiter('lo', Number.MAX_SAFE_INTEGER, options.loginMemorySeconds);
    this.address = limiter('la', options.loginFailuresPerAddress, options.loginAddressWindowSeconds);
    this.username = limiter('lu', options.loginFailuresPerUsername, options.loginUsernameWindowSeconds);
    this.registrations = limiter('ra', options.registrationsPerAddress, options.registrationWindowSeconds);
    this.device = limiter('ld', options.loginFailuresPerDevice, options.loginDeviceWindowSeconds);
    this.knownAddress = limiter('lk', 1, options.trustedDeviceSeconds);
    this.sessionConsecutive = limiter('pf', options.loginFreeTries, options.loginMemorySeconds);
    this.sessionLockouts = limiter('po', Number.MAX_SAFE_INTEGER, options.loginMemorySeconds);
  }

  /**
   * Milliseconds until this username may try again from this address; 0 when it may now. With a
   * trusted device of the user, only that device's own failures count; an address that signed in
   * as the user lately passes the username's lock, not its own.
   */
  async loginWait(username: string, address: string, device: string | null): Promise<number> {
    if (device !== null) return waitOf(await guard(() => this.device.get(device)), this.options.loginFailuresPerDevice);
    const pairKey = pairOf(username, address);
    const [pair, byAddress, byUsername, known] = await guard(() =>
      Promise.all([this.consecutive.get(pairKey), this.address.get(address), this.username.get(username), this.knownAddress.get(pairKey)]),
    );
    return Math.max(
      waitOf(pair, this.options.loginFreeTries),
      waitOf(byAddress, this.options.loginFailuresPerAddress),
      known ? 0 : waitOf(byUsername, this.options.loginFailuresPerUsername),
    );
  }

  /** Counts a failed login: against the trusted device alone when there is one, else the pair, the address and the username. */
  async recordLoginFailure(username: string, address: string, device: string | null): Promise<FailureOutcome> {
    const outcome: FailureOutcome = { lockoutSeconds: null, addressLimited: false, usernameLimited: false, deviceLimited: false };
    if (device !== null) {
      outcome.deviceLimited = (await guard(() => count(this.device, device))).consumedPoints === this.options.loginFailuresPerDevice;
      return outcome;
    }
    const pairKey = pairOf(username, address);
    const [lockoutSeconds, byAddress, byUsername] = await Promise.all([
      this.countInARow(this.consecutive, this.lockouts, pairKey),
      guard(() => count(this.address, address)),
      guard(() => count(this.username, username)),
    ]);
    outcome.lockoutSeconds = lockoutSeconds;
    if (byAddress.consumedPoints === this.options.loginFailuresPerAddress) outcome.addressLimited = true;
    if (byUsername.consumedPoints === this.options.loginFailuresPerUsername) {
      // A fresh window from now: a short lock, whoever pushed the count over.
      await guard(() => this.username.set(username, this.options.loginFailuresPerUsername, this.options.loginUsernameWindowSeconds));
      outcome.usernameLimited = true;
    }
    return outcome;
  }

  /** Milliseconds until this session may check a current password again; 0 when it may now. */
  async passwordChangeWait(sessionId: string): Promise<number> {
    return waitOf(await guard(() => this.sessionConsecutive.get(sessionId)), this.options.loginFreeTries);
  }

  /** Counts a wrong current password in this session; answers the length of the lockout it started, if it started one. Seconds. */
  recordPasswordChangeFailure(sessionId: string): Promise<number | null> {
    return this.countInARow(this.sessionConsecutive, this.sessionLockouts, sessionId);
  }

  async recordPasswordChangeSuccess(sessionId: string): Promise<void> {
    await guard(() => Promise.all([this.sessionConsecutive.delete(sessionId), this.sessionLockouts.delete(sessionId)]));
  }

  /** Milliseconds until this address may try again (its failures over all usernames, refreshes included); 0 when it may now. */
  async addressWait(address: string): Promise<number> {
    return waitOf(await guard(() => this.address.get(address)), this.options.loginFailuresPerAddress);
  }

  /** Counts a failure of this address that names no username (a refresh token that is not live); true when it reached the limit. */
  async recordAddressFailure(address: string): Promise<boolean> {
    const res = await guard(() => count(this.address, address));
    return res.consumedPoints === this.options.loginFailuresPerAddress;
  }

  /**
   * A right password: the failures in a row, and the lockouts they led to, start again from
   * nothing; the address is known for this username from now on; a trusted device's failures end.
   */
  async recordLoginSuccess(username: string, address: string, device: string | null): Promise<void> {
    const pairKey = pairOf(username, address);
    await guard(() =>
      Promise.all([
        this.consecutive.delete(pairKey),
        this.lockouts.delete(pairKey),
        this.knownAddress.set(pairKey, 1, this.options.trustedDeviceSeconds),
        device === null ? false : this.device.delete(device),
      ]),
    );
  }

  /** Counts a registration attempt; milliseconds to wait when over the limit, else 0. */
  async countRegistration(address: string): Promise<number> {
    const res = await guard(() => count(this.registrations, address));
    return res.consumedPoints > this.options.registrationsPerAddress ? Math.max(res.msBeforeNext, 1) : 0;
  }

  /**
   * Clears what applies to the subject: a username and an address together clear that pair's
   * lockout; a username alone its limit over all addresses; an address alone its login failures
   * and registrations. Answers how many counters were there.
   */
  async clear({ username, address }: ThrottleSubject): Promise<number> {
    const deletions: Promise<boolean>[] = [];
    if (username !== undefined && address !== undefined) {
      const pairKey = pairOf(username, address);
      deletions.push(this.consecutive.delete(pairKey), this.lockouts.delete(pairKey));
    } else if (username !== undefined) {
      deletions.push(this.username.delete(username));
    } else if (address !== undefined) {
      deletions.push(this.address.delete(address), this.registrations.delete(address));
    }
    const results = await guard(() => Promise.all(deletions));
    return results.filter(Boolean).length;
  }

  /**
   * Counts a failure in a row of `key`; the one that reaches the free tries starts a lockout, each
   * one twice as long as the one before. Answers its length, or null. Seconds.
   */
  private async countInARow(consecutive: RateLimiterRedis, lockouts: RateLimiterRedis, key: string): Promise<number | null> {
    const inARow = await guard(() => count(consecutive, key));
    // Counting is atomic, so exactly one failure sees the limit reached, however many run at once.
    if (inARow.consumedPoints !== this.options.loginFreeTries) return null;
    const nth = (await guard(() => count(lockouts, key))).consumedPoints;
    const seconds = Math.min(this.options.loginLockoutSeconds * 2 ** Math.min(nth - 1, 30), this.options.loginLockoutMaxSeconds);
    await guard(() => consecutive.set(key, this.options.loginFreeTries, seconds));
    return seconds;
  }
}

/** An address holds no space, so the pair cannot be read two ways. */
function pairOf(username: string, address: string): string {
  return `${address} ${username}`;
}

function waitOf(res: RateLimiterRes | null, limit: number): number {
  return res && res.consumedPoints >= limit ? Math.max(res.msBeforeNext, 1) : 0;
}

/** Adds one to a counter and answers its state; rate-limiter-flexible rejects over its points, which here is an answer too. */
async function count(limiter: RateLimiterRedis, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) return error;
    throw error;
  }
}
