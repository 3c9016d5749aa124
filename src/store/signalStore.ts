/**
 * Redis access for the sign-in signals: which devices have signed in as a user (so a new one can
 * be told; fields of the user hash), and a session's move to another address. Each is one script
 * in one slot.
 */
import { SESSION_FIELD, USER_FIELD } from './fields';
import { guard } from './guard';
import type { KeySpace } from './keys';
import { registerScripts, type RedisClient, type ScriptClient } from './scripts';

/** A user who has not logged in for this long has no known devices left: the next login is a new device. */
export const KNOWN_DEVICES_TTL_MS = 365 * 24 * 60 * 60 * 1000;

export class SignalStore {
  private readonly scripts: ScriptClient;

  constructor(
    redis: RedisClient,
    private readonly keys: KeySpace,
  ) {
    this.scripts = registerScripts(redis);
  }

  /** Notes a login from the device (by digest), keeping the `keep` most recent; true when it was new. */
  async rememberDevice(tag: string, deviceDigest: string, keep: number): Promise<boolean> {
    const keys = this.keys.forUser(tag);
    const added = await guard(() =>
      this.scripts.tessera_rememberDevice(keys.user, keys.knownDevices, deviceDigest, keep, KNOWN_DEVICES_TTL_MS, USER_FIELD.knownDevice),
    );
    return Number(added) === 1;
  }

  /** Stores the session's new address if it still holds `from`; true when this call moved it. */
  async moveAddress(tag: string, localId: string, from: string, to: string): Promise<boolean> {
    const moved = await guard(() => this.scripts.tessera_moveAddress(this.keys.session(tag, localId), SESSION_FIELD.ip, from, to));
    return Number(moved) === 1;
  }
}
