/**
 * Limits on what a client can make the service do: failed logins, registrations and concurrent
 * password checks, and how long a device that signed in stays trusted. Defined, defaulted and validated here and nowhere else; the environment
 * (config/env.ts) only overrides them.
 */
import { TesseraArgumentError } from './errors';

export interface ThrottleOptions {
  /** Failed logins in a row for one username from one client address before a lockout. Default 5. */
  loginFreeTries?: number;
  /** First lockout of a username at an address; each further one doubles. Seconds; default 60. */
  loginLockoutSeconds?: number;
  /** Longest lockout of a username at an address. Seconds; default 3600. */
  loginLockoutMaxSeconds?: number;
  /** How long failures in a row, and past lockouts (for the doubling), are remembered. Seconds; default 86400. */
  loginMemorySeconds?: number;
  /** Failed logins from one client address, over all usernames, per window (spraying). Default 100. */
  loginFailuresPerAddress?: number;
  /** Window of loginFailuresPerAddress. Seconds; default 3600. */
  loginAddressWindowSeconds?: number;
  /** Failed logins of one username, over all addresses, per window. Default 50. */
  loginFailuresPerUsername?: number;
  /** Window of loginFailuresPerUsername, and the lock that follows it. Seconds; default 900. */
  loginUsernameWindowSeconds?: number;
  /** Registrations from one client address per window. Default 20. */
  registrationsPerAddress?: number;
  /** Window of registrationsPerAddress. Seconds; default 3600. */
  registrationWindowSeconds?: number;
  /** Password checks (login, register, password change) one client address may have in flight on one instance. Default 4. */
  passwordChecksPerAddress?: number;
  /** IPv6 addresses are counted by this prefix (one customer usually holds a /64 or more). Bits, 16-128; default 64. */
  ipv6SubnetBits?: number;
  /** Failed logins with one trusted device's credential before that device alone is refused. Default 10. */
  loginFailuresPerDevice?: number;
  /** Window of loginFailuresPerDevice, and the refusal that follows it. Seconds; default 900. */
  loginDeviceWindowSeconds?: number;
  /**
   * How long a device, and an address, that signed in as a user stays trusted for that user's
   * logins (past the lock of the username). Renewed by each login. Seconds; default 2592000 (30 days).
   */
  trustedDeviceSeconds?: number;
}

export type ResolvedThrottleOptions = Readonly<Required<ThrottleOptions>>;

export const DEFAULT_THROTTLE_OPTIONS: ResolvedThrottleOptions = Object.freeze({
  loginFreeTries: 5,
  loginLockoutSeconds: 60,
  loginLockoutMaxSeconds: 3600,
  loginMemorySeconds: 86_400,
  loginFailuresPerAddress: 100,
  loginAddressWindowSeconds: 3600,
  loginFailuresPerUsername: 50,
  loginUsernameWindowSeconds: 900,
  registrationsPerAddress: 20,
  registrationWindowSeconds: 3600,
  passwordChecksPerAddress: 4,
  ipv6SubnetBits: 64,
  loginFailuresPerDevice: 10,
  loginDeviceWindowSeconds: 900,
  trustedDeviceSeconds: 2_592_000,
});

/** The range of ipv6SubnetBits (IPV6_SUBNET): shorter than /16 would count whole networks as one client. */
export const IPV6_SUBNET_BITS_RANGE = Object.freeze({ min: 16, max: 128 });

export function resolveThrottleOptions(options: ThrottleOptions = {}): ResolvedThrottleOptions {
  const resolved = { ...DEFAULT_THROTTLE_OPTIONS };
  for (const name of Object.keys(DEFAULT_THROTTLE_OPTIONS) as (keyof ThrottleOptions)[]) {
    const value = options[name] ?? DEFAULT_THROTTLE_OPTIONS[name];
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new TesseraArgumentError(`${name} must be a positive whole number; got ${String(value)}.`);
    }
    resolved[name] = value;
  }
  if (resolved.ipv6SubnetBits < IPV6_SUBNET_BITS_RANGE.min || resolved.ipv6SubnetBits > IPV6_SUBNET_BITS_RANGE.max) {
    throw new TesseraArgumentError(
      `ipv6SubnetBits must be from ${IPV6_SUBNET_BITS_RANGE.min} to ${IPV6_SUBNET_BITS_RANGE.max}; got ${resolved.ipv6SubnetBits}.`,
    );
  }
  if (resolved.loginLockoutSeconds > resolved.loginLockoutMaxSeconds) {
    throw new TesseraArgumentError(
      `loginLockoutSeconds (${resolved.loginLockoutSeconds}) must not exceed loginLockoutMaxSeconds (${resolved.loginLockoutMaxSeconds}).`,
    );
  }
  return Object.freeze(resolved);
}
