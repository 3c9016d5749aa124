/**
 * The service's object graph, without HTTP: sessions, password hashing, accounts, the admin
 * service and the audit trail over one Redis client. The HTTP service and the CLI both start here.
 */
import type { Logger } from 'pino';
import { AccountService } from '../accounts/accountService';
import { AdminService } from '../admin/adminService';
import { AuditLog } from '../audit/auditLog';
import { durableReplicasOf, type Config } from '../config/env';
import type { TesseraOptions } from '../options';
import { PasswordHasher } from '../passwords/passwordHasher';
import { SessionService } from '../sessions/sessionService';
import { AdminStore } from '../store/adminStore';
import { AuditStore } from '../store/auditStore';
import type { RedisClient } from '../store/scripts';

export interface Core {
  sessions: SessionService;
  accounts: AccountService;
  admin: AdminService;
  audit: AuditLog;
  /** Makes the dummy hash that unknown-name logins verify against, ahead of the first one. */
  prepareLogin(): Promise<unknown>;
  /** Stops the password-hashing workers and the confirming connection. Redis stays open: its owner closes it. */
  close(): Promise<void>;
}

export function sessionOptionsFrom(config: Config): TesseraOptions {
  return {
    idleTimeoutSeconds: config.SESSION_IDLE_TIMEOUT,
    absoluteLifetimeSeconds: config.SESSION_ABSOLUTE_TIMEOUT,
    keyPrefix: config.KEY_PREFIX,
    maxSessionsPerUser: config.MAX_SESSIONS_PER_USER,
    oneSessionPerDeviceType: config.ONE_SESSION_PER_DEVICE_TYPE,
    durableReplicas: durableReplicasOf(config),
    durableTimeoutMs: config.DURABLE_TIMEOUT,
  };
}

export function buildCore(config: Config, redis: RedisClient, logger: Logger): Core {
  const sessions = new SessionService(redis, sessionOptionsFrom(config));
  const hasher = new PasswordHasher(config.BCRYPT_COST);
  const adminStore = new AdminStore(redis, sessions.store.keys);
  const audit = new AuditLog(new AuditStore(redis, sessions.store.keys, { trail: config.AUDIT_MAX_ENTRIES, signIn: config.AUDIT_SIGNIN_MAX_ENTRIES }), logger);
  const accounts = new AccountService(sessions, hasher, adminStore, audit, { signupEnabled: config.SIGNUP });
  const admin = new AdminService(sessions, accounts, adminStore, audit);
  return {
    sessions,
    accounts,
    admin,
    audit,
    prepareLogin: () => hasher.prepare(),
    async close() {
      await Promise.all([hasher.close(), sessions.close()]);
    },
  };
}
