/**
 * Signals for a user's own eyes (OWASP: an address change is a signal, not a rule): a login from a
 * device that has not signed in as the user before, and a session used from a new address. Both go
 * to the event stream for a mailer to follow. Neither refuses anything, and a failure to note one
 * is reported to the observer rather than failing the login or the request.
 */
import { createHash } from 'node:crypto';
import { canonicalIp, ipBucket } from '../limits/ipAddress';
import type { SignalStore } from '../store/signalStore';
import type { LifecycleEvents } from './lifecycleEvents';
import type { SessionObserver } from './observer';
import type { SessionMetadata } from './types';

/** 96 bits: unique among a user's few devices, and short, as it is a field of the user hash. */
const DEVICE_DIGEST_LENGTH = 16;

export class SignInSignals {
  constructor(
    private readonly store: SignalStore,
    private readonly events: LifecycleEvents,
    private readonly observer: SessionObserver,
    /** 0: no device is remembered and no new-device signal is given. */
    private readonly knownDevicesPerUser: number,
  ) {}

  /**
   * Notes the login's device; true (and `session.new-device` emitted) when the user's known devices
   * did not include it. A device is its type, name and user agent together: what a login tells of it.
   */
  async loggedIn(userId: string, tag: string, sessionId: string, metadata: SessionMetadata): Promise<boolean> {
    if (this.knownDevicesPerUser === 0) return false;
    const { device = {}, ip, userAgent } = metadata;
    const digest = createHash('sha256')
      .update(JSON.stringify([device.type ?? '', device.name ?? '', userAgent ?? '']))
      .digest('base64url')
      .slice(0, DEVICE_DIGEST_LENGTH);
    let isNew: boolean;
    try {
      isNew = await this.store.rememberDevice(tag, digest, this.knownDevicesPerUser);
    } catch (error) {
      this.observer.eventLost?.(error);
      return false;
    }
    if (isNew) await this.events.newDevice(userId, sessionId, { deviceType: device.type, deviceName: device.name, ip, userAgent });
    return isNew;
  }

  /**
   * A request of a live session came from `address`: when the session holds another one (another
   * IPv4 address, or another IPv6 prefix of `ipv6SubnetBits`: one customer's devices rotate
   * addresses within theirs), the new one is stored and `session.address-changed` emitted, once
   * however many requests race. Costs nothing (no Redis call) while the address stays the same.
   */
  async addressSeen(
    session: { id: string; userId: string; ip: string | null },
    tag: string,
    localId: string,
    address: string,
    ipv6SubnetBits: number,
  ): Promise<void> {
    const stored = session.ip;
    if (stored === null || stored === address || address === '') return;
    const network = (text: string) => ipBucket(canonicalIp(text) ?? text, ipv6SubnetBits);
    if (network(stored) === network(address)) return;
    try {
      if (!(await this.store.moveAddress(tag, localId, stored, address))) return;
    } catch (error) {
      this.observer.eventLost?.(error);
      return;
    }
    await this.events.addressChanged(session.userId, session.id, stored, address);
  }
}
