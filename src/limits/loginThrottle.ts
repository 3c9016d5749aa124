/**
 * The policy over the throttle counters: refuse before any bcrypt work, count each failure, audit
 * a lockout once when it starts, reset on success. The JSON API and the page forms both reach it
 * through the account service, so they share every counter. With throttling off (load tests) it
 * lets everything through.
 */
import type { Actor, AuditLog } from '../audit/auditLog';
import { RateLimitedError } from '../errors';
import type { ThrottleStore, ThrottleSubject } from '../store/throttleStore';
import type { ResolvedThrottleOptions } from '../throttleOptions';
import { AddressGate } from './addressGate';

export class LoginThrottle {
  private readonly gate: AddressGate | null;

  /** `store` null: throttling is off. */
  constructor(
    private readonly store: ThrottleStore | null,
    private readonly audit: AuditLog,
    options: ResolvedThrottleOptions,
  ) {
    this.gate = store ? new AddressGate(options.passwordChecksPerAddress) : null;
  }

  get enabled(): boolean {
    return this.store !== null;
  }

  /**
   * Refuses (429) while this username is locked at this address, or over all addresses, or while
   * the address is over its failure limit. The name is not looked up: a name without an account
   * is counted and refused exactly as one with.
   */
  async beforeLogin(normalizedName: string, address: string): Promise<void> {
    if (!this.store) return;
    refuseFor(await this.store.loginWait(normalizedName, address));
  }

  /** Runs a password check (bcrypt) within the address' cap on checks in flight. */
  checkingPassword<T>(address: string, check: () => Promise<T>): Promise<T> {
    return this.gate ? this.gate.run(address, check) : check();
  }

  /** Counts a failed login; the failure that starts a lockout writes the one audit entry for it. */
  async loginFailed(normalizedName: string, address: string, actor: Actor, accountId: string | undefined): Promise<void> {
    if (!this.store) return;
    const outcome = await this.store.recordLoginFailure(normalizedName, address);
    const locked = (detail: string) => this.audit.record({ type: 'login.locked', actor, target: accountId, outcome: 'denied', detail });
    if (outcome.lockoutSeconds !== null) {
      await locked(`failed logins in a row from one address; locked there for ${outcome.lockoutSeconds} s`);
    }
    if (outcome.usernameLimited) await locked('failed logins of this username from all addresses; locked for a short while');
    if (outcome.addressLimited) {
      await this.audit.record({
        type: 'login.locked',
        actor: { id: '', name: null, ip: address },
        outcome: 'denied',
        detail: 'failed logins from this address over many usernames; address refused until its window ends',
      });
    }
  }

  async loginSucceeded(normalizedName: string, address: string): Promise<void> {
    await this.store?.recordLoginSuccess(normalizedName, address);
  }

  /**
   * Refuses (429) a refresh from an address over its failure limit: refresh tokens that are not
   * live count against the same per-address budget as failed logins, so guessing them is bounded too.
   */
  async beforeRefresh(address: string): Promise<void> {
    if (!this.store) return;
    refuseFor(await this.store.addressWait(address));
  }

  async refreshFailed(address: string): Promise<void> {
    if (!this.store) return;
    if (await this.store.recordAddressFailure(address)) {
      await this.audit.record({
        type: 'login.locked',
        actor: { id: '', name: null, ip: address },
        outcome: 'denied',
        detail: 'refresh tokens that are not live from this address; address refused until its window ends',
      });
    }
  }

  /** Counts a registration attempt and refuses (429) one over the address' limit. */
  async beforeRegistration(address: string): Promise<void> {
    if (!this.store) return;
    refuseFor(await this.store.countRegistration(address));
  }

  /** An operator's reset of a throttle; answers how many counters were cleared. */
  clear(subject: ThrottleSubject): Promise<number> {
    return this.store ? this.store.clear(subject) : Promise.resolve(0);
  }
}

function refuseFor(waitMs: number): void {
  if (waitMs > 0) throw new RateLimitedError(Math.ceil(waitMs / 1000));
}
