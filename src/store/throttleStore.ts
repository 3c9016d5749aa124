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
  }

  /** Milliseconds until this username may try again from this address; 0 when it may now. */
  async loginWait(username: string, address: string): Promise<number> {
    const [pair, byAddress, byUsername] = await guard(() =>
      Promise.all([this.consecutive.get(pairOf(username, address)), this.address.get(address), this.username.get(username)]),
    );
    return Math.max(
      waitOf(pair, this.options.loginFreeTries),
      waitOf(byAddress, this.options.loginFailuresPerAddress),
      waitOf(byUsername, this.options.loginFailuresPerUsername),
    );
  }

  async recordLoginFailure(username: string, address: string): Promise<FailureOutcome> {
    const pairKey = pairOf(username, address);
    const [pair, byAddress, byUsername] = await guard(() =>
      Promise.all([count(this.consecutive, pairKey), count(this.address, address), count(this.username, username)]),
    );
    const outcome: FailureOutcome = { lockoutSeconds: null, addressLimited: false, usernameLimited: false };
    // Counting is atomic, so exactly one failure sees each limit reached, however many run at once.
    if (pair.consumedPoints === this.options.loginFreeTries) {
      const nth = (await guard(() => count(this.lockouts, pairKey))).consumedPoints;
      const seconds = Math.min(this.options.loginLockoutSeconds * 2 ** Math.min(nth - 1, 30), this.options.loginLockoutMaxSeconds);
      await guard(() => this.consecutive.set(pairKey, this.options.loginFreeTries, seconds));
      outcome.lockoutSeconds = seconds;
    }
    if (byAddress.consumedPoints === this.options.loginFailuresPerAddress) outcome.addressLimited = true;
    if (byUsername.consumedPoints === this.options.loginFailuresPerUsername) {
      // A fresh window from now: a short lock, whoever pushed the count over.
      await guard(() => this.username.set(username, this.options.loginFailuresPerUsername, this.options.loginUsernameWindowSeconds));
      outcome.usernameLimited = true;
    }
    return outcome;
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

  /** A right password: the failures in a row, and the lockouts they led to, start again from nothing. */
  async recordLoginSuccess(username: string, address: string): Promise<void> {
    const pairKey = pairOf(username, address);
    await guard(() => Promise.all([this.consecutive.delete(pairKey), this.lockouts.delete(pairKey)]));
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
