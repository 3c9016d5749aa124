/**
 * The service's object graph, without HTTP: sessions, password hashing, accounts, the admin
 * service and the audit trail over one Redis client. The HTTP service and the CLI both start here.
 */
import type { Logger } from 'pino';
import { AccountService, type LoginObserver } from '../accounts/accountService';
import { AdminService } from '../admin/adminService';
import { AuditLog } from '../audit/auditLog';
import { durableReplicasOf, type Config } from '../config/env';
import { resolveTesseraOptions, type TesseraOptions } from '../options';
import { PasswordHasher, type PasswordQueueObserver } from '../passwords/passwordHasher';
import type { SessionObserver } from '../sessions/observer';
import { LoginThrottle } from '../limits/loginThrottle';
import { resolveThrottleOptions, type ThrottleOptions } from '../throttleOptions';
import { SessionService } from '../sessions/sessionService';
import { AccountStore } from '../store/accountStore';
import { AdminStore } from '../store/adminStore';
import { AuditStore } from '../store/auditStore';
import { IdempotencyStore } from '../store/idempotencyStore';
import { FormTokenStore } from '../store/formTokenStore';
import type { DurableWrites } from '../store/durableWrites';
import type { KeySpace } from '../store/keys';
import type { RedisClient } from '../store/scripts';
import { SessionStore } from '../store/sessionStore';
import { ThrottleStore } from '../store/throttleStore';
import { DeviceTokens } from '../tokens/deviceToken';
import { cachedFormKey } from '../tokens/formSigningKey';

export interface Core {
  sessions: SessionService;
  accounts: AccountService;
  admin: AdminService;
  /** The log of admin acts (the CLI's and the bootstrap admin's): writes to the trail, reads either stream. */
  audit: AuditLog;
  /** The answers kept for Idempotency-Key retries. */
  idempotency: IdempotencyStore;
  /** Every Redis key, for the stores the HTTP service adds (form tokens). */
  keys: KeySpace;
  /** How security writes are confirmed, to report at start (and count). */
  durable: DurableWrites;
  /** Hashes and checks waiting for a password worker. */
  passwordQueueSize(): number;
  throttle: LoginThrottle;
  /** The key every instance shares for what is signed and kept nowhere (page form tokens, device credentials); fetched once, then kept. */
  sharedSigningKey(): Promise<Buffer>;
  /** Makes the dummy hash that unknown-name logins verify against, ahead of the first one. */
  prepareLogin(): Promise<unknown>;
  /** Stops the password-hashing workers and the confirming connection. Redis stays open: its owner closes it. */
  close(): Promise<void>;
}

export function sessionOptionsFrom(config: Config): TesseraOptions {
  return {
    idleTimeoutSeconds: config.SESSION_IDLE_TIMEOUT,
    absoluteLifetimeSeconds: config.SESSION_ABSOLUTE_TIMEOUT,
    lifetimes: config.SESSION_LIFETIMES,
    slideGranularityMs: config.SESSION_SLIDE_GRANULARITY,
    keyPrefix: config.KEY_PREFIX,
    maxSessionsPerUser: config.MAX_SESSIONS_PER_USER,
    oneSessionPerDeviceType: config.ONE_SESSION_PER_DEVICE_TYPE,
    durableReplicas: durableReplicasOf(config),
    durableTimeoutMs: config.DURABLE_TIMEOUT,
    eventStreamMaxEntries: config.EVENT_STREAM ? config.EVENT_STREAM_MAX_ENTRIES : 0,
    knownDevicesPerUser: config.KNOWN_DEVICES_PER_USER,
    refreshIdleTimeoutSeconds: config.REFRESH_IDLE_TIMEOUT,
    refreshAbsoluteLifetimeSeconds: config.REFRESH_ABSOLUTE_TIMEOUT,
    refreshReuseGraceSeconds: config.REFRESH_REUSE_GRACE,
  };
}

export function throttleOptionsFrom(config: Config): ThrottleOptions {
  return {
    loginFreeTries: config.LOGIN_FREE_TRIES,
    // Counters expire in whole seconds.
    loginLockoutSeconds: Math.ceil(config.LOGIN_LOCKOUT),
    loginLockoutMaxSeconds: Math.ceil(config.LOGIN_LOCKOUT_MAX),
    loginFailuresPerAddress: config.LOGIN_FAILURES_PER_ADDRESS,
    loginFailuresPerUsername: config.LOGIN_FAILURES_PER_USERNAME,
    registrationsPerAddress: config.REGISTRATIONS_PER_ADDRESS,
    passwordChecksPerAddress: config.PASSWORD_CHECKS_PER_ADDRESS,
    ipv6SubnetBits: config.IPV6_SUBNET,
  };
}

/** Everything the core reports to (the service's metrics); each hook optional. */
export type CoreObserver = SessionObserver & LoginObserver & PasswordQueueObserver;

export function buildCore(config: Config, redis: RedisClient, logger: Logger, observer: CoreObserver = {}): Core {
  const sessionObserver: SessionObserver = {
    tokenChecked: observer.tokenChecked?.bind(observer),
    sessionsRevoked: observer.sessionsRevoked?.bind(observer),
    eventLost(error) {
      logger.error({ err: error }, 'could not append a lifecycle event to the event stream');
      observer.eventLost?.(error);
    },
  };
  // One session store, shared by the session service and the accounts kept on the same user hashes.
  const store = new SessionStore(redis, resolveTesseraOptions({ ...sessionOptionsFrom(config), observer: sessionObserver }));
  const { keys, durable } = store;
  const sessions = new SessionService(store);
  const hasher = new PasswordHasher(config.BCRYPT_COST, observer, config.PASSWORD_QUEUE_LIMIT);
  const adminStore = new AdminStore(redis, keys, store.users);
  const audit = new AuditLog(new AuditStore(redis, keys, { trail: config.AUDIT_MAX_ENTRIES, signIn: config.AUDIT_SIGNIN_MAX_ENTRIES }), logger);
  const throttleOptions = resolveThrottleOptions(throttleOptionsFrom(config));
  const throttleStore = config.RATE_LIMITS ? new ThrottleStore(redis, keys, throttleOptions) : null;
  const throttle = new LoginThrottle(throttleStore, audit, throttleOptions);
  const sharedSigningKey = cachedFormKey(signingKeyOf(config, new FormTokenStore(redis, keys)));
  const devices = new DeviceTokens(sharedSigningKey, throttleOptions.trustedDeviceSeconds * 1000);
  const accounts = new AccountService(sessions, new AccountStore(store), hasher, adminStore, audit, {
    signupEnabled: config.SIGNUP,
    observer,
    throttle,
    devices,
    passwordMinScore: config.PASSWORD_MIN_SCORE,
    // The admin service, made below, records it in the trail.
    endImpersonations: (actor, why): Promise<void> => admin.endImpersonations(actor, actor.id, why),
  });
  // Only admin acts reach the trail: users and visitors write to the sign-in stream alone.
  const adminAudit = audit.forAdminActs();
  const admin: AdminService = new AdminService(sessions, accounts, adminStore, adminAudit, throttle, config.IMPERSONATION_TTL);
  return {
    sessions,
    accounts,
    admin,
    audit: adminAudit,
    idempotency: new IdempotencyStore(redis, keys),
    keys,
    durable,
    passwordQueueSize: () => hasher.queueSize,
    throttle,
    sharedSigningKey,
    prepareLogin: () => hasher.prepare(),
    async close() {
      await Promise.all([hasher.close(), sessions.close()]);
    },
  };
}

/** FORM_SECRET when set, else the random key the first instance keeps in Redis for all. */
function signingKeyOf(config: Config, formTokens: FormTokenStore): () => Promise<Buffer> {
  const secret = config.FORM_SECRET;
  return secret ? () => Promise.resolve(Buffer.from(secret, 'utf8')) : () => formTokens.sharedSigningKey();
}
