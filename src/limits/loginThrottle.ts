/**
 * The policy over the throttle counters: refuse before any bcrypt work, count each failure, audit
 * a lockout once when it starts, reset on success. The JSON API and the page forms both reach it
 * through the account service, so they share every counter. With throttling off (load tests) it
 * lets everything through.
 *
 * Addresses are counted by bucket (an IPv6 address by its prefix; limits/ipAddress.ts). A login
 * that brings a trusted device of the user (tokens/deviceToken.ts) is limited by that device's
 * own budget alone, so an attack that locks the username does not lock its owner out; nor does it
 * lock out an address the user signed in from lately. A password change is limited per session.
 */
import type { Actor, AuditLog } from '../audit/auditLog';
import { RateLimitedError } from '../errors';
import type { ThrottleStore, ThrottleSubject } from '../store/throttleStore';
import type { ResolvedThrottleOptions } from '../throttleOptions';
import { AddressGate } from './addressGate';
import { canonicalIp, ipBucket } from './ipAddress';

export class LoginThrottle {
  private readonly gate: AddressGate | null;

  /** `store` null: throttling is off. */
  constructor(
    private readonly store: ThrottleStore | null,
    private readonly audit: AuditLog,
    private readonly options: ResolvedThrottleOptions,
  ) {
    this.gate = store ? new AddressGate(options.passwordChecksPerAddress) : null;
  }

  get enabled(): boolean {
    return this.store !== null;
  }

  /**
   * Refuses (429) while this username is locked at this address, or over all addresses, or while
   * the address is over its failure limit; with `device` (the id of a trusted device of the
   * user), only while that device is over its own limit. A name without an account is counted
   * and refused exactly as one with.
   */
  async beforeLogin(normalizedName: string, address: string, device: string | null = null): Promise<void> {
    if (!this.store) return;
    refuseFor(await this.store.loginWait(normalizedName, this.bucketOf(address), device));
  }

  /** Runs a password check (bcrypt) within the address' cap on checks in flight. */
  checkingPassword<T>(address: string, check: () => Promise<T>): Promise<T> {
    return this.gate ? this.gate.run(this.bucketOf(address), check) : check();
  }

  /** Counts a failed login; the failure that starts a lockout writes the one audit entry for it. */
  async loginFailed(normalizedName: string, address: string, actor: Actor, accountId: string | undefined, device: string | null = null): Promise<void> {
    if (!this.store) return;
    const outcome = await this.store.recordLoginFailure(normalizedName, this.bucketOf(address), device);
    const locked = (detail: string) => this.audit.record({ type: 'login.locked', actor, target: accountId, outcome: 'denied', detail });
    if (outcome.lockoutSeconds !== null) {
      await locked(`failed logins in a row from one address; locked there for ${outcome.lockoutSeconds} s`);
    }
    if (outcome.usernameLimited) await locked('failed logins of this username from all addresses; locked for a short while');
    if (outcome.deviceLimited) await locked('failed logins with one trusted device of this user; that device refused until its window ends');
    if (outcome.addressLimited) {
      await this.audit.record({
        type: 'login.locked',
        actor: { id: '', name: null, ip: address },
        outcome: 'denied',
        detail: 'failed logins from this address over many usernames; address refused until its window ends',
      });
    }
  }

  async loginSucceeded(normalizedName: string, address: string, device: string | null = null): Promise<void> {
    await this.store?.recordLoginSuccess(normalizedName, this.bucketOf(address), device);
  }

  /** Refuses (429) while this session is locked out of checking a current password. */
  async beforePasswordChange(sessionId: string): Promise<void> {
    if (!this.store) return;
    refuseFor(await this.store.passwordChangeWait(sessionId));
  }

  /** Counts a wrong current password in this session; the one that starts a lockout writes the one audit entry for it. */
  async passwordChangeFailed(sessionId: string, actor: Actor): Promise<void> {
    const lockoutSeconds = await this.store?.recordPasswordChangeFailure(sessionId);
    if (lockoutSeconds === undefined || lockoutSeconds === null) return;
    await this.audit.record({
      type: 'login.locked',
      actor,
      target: sessionId,
      outcome: 'denied',
      detail: `wrong current passwords in a row in this session; its password changes locked for ${lockoutSeconds} s`,
    });
  }

  async passwordChangeSucceeded(sessionId: string): Promise<void> {
    await this.store?.recordPasswordChangeSuccess(sessionId);
  }

  /**
   * Refuses (429) a refresh from an address over its failure limit: refresh tokens that are not
   * live count against the same per-address budget as failed logins, so guessing them is bounded too.
   */
  async beforeRefresh(address: string): Promise<void> {
    if (!this.store) return;
    refuseFor(await this.store.addressWait(this.bucketOf(address)));
  }

  async refreshFailed(address: string): Promise<void> {
    await this.addressFailed(address, 'refresh tokens that are not live from this address; address refused until its window ends');
  }

  /**
   * Refuses (429) a device proof (DBSC start or refresh) from an address over its failure limit:
   * the refresh endpoint answers anyone, so proofs that do not verify count against the same
   * per-address budget, and the signature checks an address can cause are bounded.
   */
  async beforeDeviceProof(address: string): Promise<void> {
    await this.beforeRefresh(address);
  }

  async deviceProofFailed(address: string): Promise<void> {
    await this.addressFailed(address, 'device proofs that do not verify from this address; address refused until its window ends');
  }

  /** Counts a registration attempt and refuses (429) one over the address' limit. */
  async beforeRegistration(address: string): Promise<void> {
    if (!this.store) return;
    refuseFor(await this.store.countRegistration(this.bucketOf(address)));
  }

  /** An operator's reset of a throttle; answers how many counters were cleared. An address clears its whole bucket. */
  clear(subject: ThrottleSubject): Promise<number> {
    if (!this.store) return Promise.resolve(0);
    return this.store.clear(subject.address === undefined ? subject : { ...subject, address: this.bucketOf(subject.address) });
  }

  /** Counts a failure of the address that names no username; the one that reaches the limit writes the one audit entry, saying `detail`. */
  private async addressFailed(address: string, detail: string): Promise<void> {
    if (!this.store) return;
    if (await this.store.recordAddressFailure(this.bucketOf(address))) {
      await this.audit.record({ type: 'login.locked', actor: { id: '', name: null, ip: address }, outcome: 'denied', detail });
    }
  }

  /** Canonical first: callers other than the HTTP layer (an admin's clear, a library's caller) may spell it any way. */
  private bucketOf(address: string): string {
    return ipBucket(canonicalIp(address) ?? address, this.options.ipv6SubnetBits);
  }
}

function refuseFor(waitMs: number): void {
  if (waitMs > 0) throw new RateLimitedError(Math.ceil(waitMs / 1000));
}
