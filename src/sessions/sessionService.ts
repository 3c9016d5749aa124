/**
 * The session service: create, validate (and slide), refresh, list and revoke sessions, and ban
 * users, for plain user ids. It knows nothing of HTTP: its errors carry no challenge, and the Koa
 * middleware and the service's routes are the adapters that answer them.
 */
import { ProofRefusedError, RefreshTokenReusedError, SessionEndedError, TesseraArgumentError, UserBannedError } from '../errors';
import { resolveTesseraOptions, type ResolvedTesseraOptions, type TesseraOptions } from '../options';
import { toRedisClient, warnUnlessFailFast, type RedisClientLike } from '../store/clientCheck';
import { EventStore } from '../store/eventStore';
import { RefreshStore } from '../store/refreshStore';
import { SessionStore, type Presentation, type ProofRefusal } from '../store/sessionStore';
import { SignalStore } from '../store/signalStore';
import type { UserStore } from '../store/userStore';
import { parseSessionId } from '../tokens/sessionId';
import { hashSecretHex, parseToken } from '../tokens/token';
import { ROLE } from '../validation/rules';
import { DEFAULT_THROTTLE_OPTIONS } from '../throttleOptions';
import { lifetimeOf, type Lifetime, type SessionLifetime } from '../lifetimeRules';
import { ActiveSession, type AttributeWriter } from './activeSession';
import { deleteAttribute, writeAttribute } from './attributes';
import { DeviceBinding, type DeviceBindingOptions } from './deviceBinding';
import { LifecycleEvents } from './lifecycleEvents';
import { NewSession } from './newSession';
import type { SessionObserver } from './observer';
import { assertUserId, cleanMetadata } from './sessionInput';
import { nextOffset, pageBounds, sessionCursor } from './sessionPage';
import { Refresher } from './refresher';
import { SignInSignals } from './signInSignals';
import type { CreatedSession, CreateOptions, PageRequest, RefreshedSession, SessionMetadata, SessionPage, SessionUser, ValidateOptions } from './types';

/** The answer of `validate()` for a live session: the session, slid, and its user. */
export interface Validation {
  session: ActiveSession;
  user: SessionUser;
  /** session.expiresAt in ms, for callers that need no Date. */
  expiresAtMs: number;
}

/**
 * Tessera's sessions, free of Koa: create, validate (and slide), list, revoke, refresh, ban, roles
 * and attributes. Make one with `createTessera(redis, options)`.
 */
export class SessionService implements AttributeWriter {
  /** The options in force, defaulted. */
  readonly options: ResolvedTesseraOptions;
  private readonly store: SessionStore;
  private readonly users: UserStore;
  /**
   * The lifecycle event stream; writes nothing unless eventStreamMaxEntries is set.
   * @internal
   */
  readonly events: LifecycleEvents;
  private readonly observer: SessionObserver;
  private readonly refresher: Refresher;
  private readonly signals: SignInSignals;

  /**
   * Over an ioredis client (standalone or Cluster); or over a store the service's composition shares
   * with its accounts. Throws TesseraArgumentError for anything but an ioredis client, and for unknown
   * or invalid options.
   */
  constructor(redis: RedisClientLike, options?: TesseraOptions);
  /** @internal The service's composition shares one store with its accounts. */
  constructor(store: SessionStore);
  constructor(source: RedisClientLike | SessionStore, options: TesseraOptions = {}) {
    if (source instanceof SessionStore) {
      this.store = source;
    } else {
      const client = toRedisClient(source, 'Tessera');
      const resolved = resolveTesseraOptions(options);
      warnUnlessFailFast(source);
      this.store = new SessionStore(client, resolved);
    }
    this.users = this.store.users;
    this.options = this.store.options;
    this.observer = this.options.observer;
    const { eventStreamMaxEntries } = this.options;
    this.events = new LifecycleEvents(
      eventStreamMaxEntries > 0 ? new EventStore(this.store.redis, this.store.keys, eventStreamMaxEntries) : null,
      this.observer,
    );
    this.signals = new SignInSignals(new SignalStore(this.store.redis, this.store.keys), this.events, this.observer, this.options.knownDevicesPerUser);
    this.refresher = new Refresher(new RefreshStore(this.store.durable, this.store.keys, this.options));
  }

  /**
   * Starts a session for a user id the app has authenticated; returns the token once. With
   * `remember`, it also starts a refresh family and returns its first refresh token, once.
   */
  async create(userId: string, metadata: SessionMetadata = {}, options: CreateOptions = {}): Promise<CreatedSession> {
    assertUserId(userId);
    const cleaned = cleanMetadata(metadata);
    if (options.boundKey !== undefined && !THUMBPRINT.test(options.boundKey)) {
      throw new TesseraArgumentError('boundKey must be the RFC 7638 thumbprint of a key: 43 base64url characters.');
    }
    const { actor, maxLifetimeSeconds } = options;
    if (actor && options.remember) throw new TesseraArgumentError('An impersonation session (actor) cannot be remembered.');
    if (maxLifetimeSeconds !== undefined && !(maxLifetimeSeconds > 0))
      throw new TesseraArgumentError(`maxLifetimeSeconds must be a positive number; got ${String(maxLifetimeSeconds)}.`);
    const tag = await this.users.claimTag(userId);
    const remember = Boolean(options.remember);
    const session = new NewSession(userId, tag, cleaned, remember, options.boundKey ?? null);
    const lifetime = capped(await this.lifetimeOf(tag, cleaned, remember), maxLifetimeSeconds, this.options);
    // Noted on the actor before it exists, so the actor's logout everywhere or ban, wherever it
    // lands, finds it (or ends the actor's session first: see AdminService.impersonate). Until at
    // the latest its absolute end, a minute's clock skew to spare.
    if (actor) {
      const latestEndMs = Date.now() + ((lifetime ?? this.options).absoluteLifetimeSeconds + 60) * 1000;
      await this.store.noteImpersonation(await this.users.claimTag(actor.id), session.id, latestEndMs);
    }
    const created = await this.store.create({ ...session.toStored(), lifetime, actor });
    if (created.outcome === 'banned') throw new UserBannedError(created.bannedUntil);
    await this.events.sessionCreated(userId, session.id);
    // An admin acting as the user signs in from no device of the user's.
    const newDevice = actor ? false : await this.signals.loggedIn(userId, tag, session.id, cleaned);
    const answer = session.answer(created, newDevice);
    const { endedSessionIds } = answer;
    if (endedSessionIds.length > 0) this.observer.sessionsRevoked?.('replaced', endedSessionIds.length);
    for (const ended of endedSessionIds) await this.events.sessionRevoked(userId, ended, 'replaced');
    return answer;
  }

  /** The lifetimes of a login of this kind, or undefined when no rule could shorten them. */
  private async lifetimeOf(tag: string, metadata: SessionMetadata, remembered: boolean): Promise<SessionLifetime | undefined> {
    const { lifetimes } = this.options;
    const byRole = Object.keys(lifetimes.roles).length > 0;
    if (!byRole && Object.keys(lifetimes.deviceTypes).length === 0 && isEmpty(lifetimes.remembered) && isEmpty(lifetimes.unremembered)) return undefined;
    // Roles cost a read, made only when a rule names one.
    const roles = byRole ? await this.users.rolesOf(tag) : [];
    return lifetimeOf(lifetimes, this.options, { deviceType: metadata.device?.type ?? null, remembered, roles });
  }

  /**
   * Ends every impersonation session the actor started (an admin logging out everywhere, or
   * banned); answers how many were live.
   */
  async endImpersonationsBy(actorId: string): Promise<number> {
    return (await this.endImpersonationsListing(actorId)).length;
  }

  /** endImpersonationsBy(), answering each session that was live and ended, with the user it acted as (null if gone). */
  async endImpersonationsListing(actorId: string): Promise<{ sessionId: string; userId: string | null }[]> {
    const tag = await this.users.tagOf(actorId);
    if (!tag) return [];
    const ended: { sessionId: string; userId: string | null }[] = [];
    for (const sessionId of await this.store.takeImpersonations(tag)) {
      const parts = parseSessionId(sessionId);
      if (parts && (await this.revoke(sessionId))) ended.push({ sessionId, userId: await this.users.userIdOf(parts.tag) });
    }
    return ended;
  }

  /** Whether a session is live now (not ended, expired or banned away), by its public id. */
  async isLive(sessionId: string): Promise<boolean> {
    const parts = parseSessionId(sessionId);
    return parts !== null && this.store.isLive(parts.tag, parts.localId);
  }

  /**
   * Records that the password was just proven again on a live session (POST /auth/reauthenticate):
   * its sign-in time, which recent-sign-in checks read, becomes now, for the sessions its refresh
   * token mints later too. Answers the new time, or null when the session is gone.
   */
  async reauthenticated(sessionId: string): Promise<Date | null> {
    const parts = parseSessionId(sessionId);
    return parts ? this.store.reauthenticated(parts.tag, parts.localId) : null;
  }

  /**
   * Checks a presented token and slides its expiry, in one Redis round trip. Answers null for
   * anything that is not a live session (malformed tokens cost no Redis call at all). A session
   * bound to a DPoP key needs `options.proof` by that key, unused so far; without it this throws
   * ProofRefusedError and leaves the session as it was.
   */
  async validate(token: string, options: ValidateOptions = {}): Promise<Validation | null> {
    const parsed = parseToken(token);
    if (!parsed) {
      this.observer.tokenChecked?.('invalid', null);
      return null;
    }
    const started = performance.now();
    let result: Awaited<ReturnType<SessionStore['touch']>>;
    try {
      result = await this.store.touch(parsed.tag, parsed.localId, hashSecretHex(parsed.secret), presentation(options));
    } catch (error) {
      this.observer.tokenChecked?.('unavailable', null);
      throw error;
    }
    const live = result !== null && !('unproven' in result);
    this.observer.tokenChecked?.(live ? 'valid' : 'invalid', (performance.now() - started) / 1000);
    if (!result) return null;
    if ('unproven' in result) throw new ProofRefusedError(UNPROVEN[result.unproven]);
    const record = result.session;
    // Attributes are parsed on first read: most requests never read one.
    const attributes = () => {
      const parsed = new Map<string, unknown>();
      for (const [name, json] of record.attributes()) parsed.set(name, JSON.parse(json));
      return parsed;
    };
    return { session: new ActiveSession(record, attributes, this), user: result.user, expiresAtMs: record.expiresAtMs };
  }

  /**
   * Spends a refresh token for a new session and a new refresh token, in one Redis round trip;
   * the family's previous session ends. Answers null when the token is not live (unknown,
   * malformed, expired, or its login ended). The same token again within the reuse grace window
   * answers the same pair once (`replayed`), and null after that; after the window, throws RefreshTokenReusedError, having ended the whole
   * family and its session. A ban ends the user's families, so a banned user's token is not live.
   * A login bound to a DPoP key is refreshed only when `provenKey` (the thumbprint of the key the
   * request's proof was checked for) is its key; otherwise this throws DpopIssuanceError and
   * changes nothing. The new session is bound to the same key.
   */
  async refresh(
    refreshToken: string,
    metadata: Pick<SessionMetadata, 'ip' | 'userAgent'> = {},
    provenKey: string | null = null,
  ): Promise<RefreshedSession | null> {
    try {
      const spent = await this.refresher.spend(refreshToken, cleanMetadata(metadata), provenKey);
      if (spent && !spent.refreshed.replayed) {
        const userId = spent.refreshed.user.id;
        await this.events.sessionCreated(userId, spent.refreshed.session.id);
        if (spent.endedSessionId) await this.events.sessionRevoked(userId, spent.endedSessionId, 'refreshed');
      }
      return spent?.refreshed ?? null;
    } catch (error) {
      if (error instanceof RefreshTokenReusedError && error.sessionId) {
        this.observer.sessionsRevoked?.('session', 1);
        await this.events.sessionRevoked(error.userId, error.sessionId, 'revoked');
      }
      throw error;
    }
  }

  /**
   * The request's session for a pair refresh() just answered, as validate() would give it, without
   * a second round trip: the refresh itself checked and minted it. A retry's pair carries no
   * attributes set since its first answer.
   */
  activate(refreshed: RefreshedSession): Validation {
    return { session: new ActiveSession(refreshed.session, new Map(), this), user: refreshed.user, expiresAtMs: refreshed.session.expiresAt.getTime() };
  }

  /**
   * Device-bound cookie sessions (W3C DBSC) over this service's sessions: registration of a browser key, and renewal against it.
   * @internal The service's cookie transport uses it (SessionCookie's deviceBinding and the /auth/dbsc routes).
   */
  deviceBinding(options: DeviceBindingOptions): DeviceBinding {
    return new DeviceBinding(this.store, options);
  }

  /**
   * Tells the service the address a validated session's request came from: when it differs from
   * the session's (for IPv6, outside its /`ipv6SubnetBits` prefix; default 64), the session keeps
   * the new one and `session.address-changed` is emitted. No
   * Redis call while it is the same; never throws for a failure to record it (the observer hears).
   */
  async addressSeen(session: Pick<ActiveSession, 'id' | 'userId' | 'ip'>, address: string, ipv6SubnetBits = DEFAULT_IPV6_SUBNET_BITS): Promise<void> {
    const parts = parseSessionId(session.id);
    if (parts) await this.signals.addressSeen(session, parts.tag, parts.localId, address, ipv6SubnetBits);
  }

  /** Ends a session by id, whoever owns it; true when it was live. */
  async revoke(sessionId: string): Promise<boolean> {
    const parts = parseSessionId(sessionId);
    if (!parts || !(await this.store.revoke(parts.tag, parts.localId))) return false;
    // Only the event needs the user: its consumers key their caches by it.
    const userId = this.events.enabled ? await this.users.userIdOf(parts.tag).catch(() => null) : null;
    await this.sessionRevoked(userId, sessionId);
    return true;
  }

  /** Ends a session only if it belongs to userId; true when a live session of theirs ended. */
  async revokeOwn(userId: string, sessionId: string): Promise<boolean> {
    const parts = parseSessionId(sessionId);
    if (!parts || parts.tag !== (await this.users.tagOf(userId))) return false;
    if (!(await this.store.revoke(parts.tag, parts.localId))) return false;
    await this.sessionRevoked(userId, sessionId);
    return true;
  }

  /**
   * Ends every session of a user at once (log out everywhere, password change, ban), except
   * `exceptSessionId` when given; that one must be a live session of the user, or nothing changes
   * and SessionEndedError is thrown. Answers how many live sessions ended.
   */
  async revokeAll(userId: string, options: { exceptSessionId?: string } = {}): Promise<number> {
    const tag = await this.users.tagOf(userId);
    if (!tag) return 0;
    const keptSessionId = options.exceptSessionId || undefined;
    const keep = keptSessionId ? parseSessionId(keptSessionId) : null;
    if (keptSessionId && (!keep || keep.tag !== tag)) throw new SessionEndedError();
    // Null: the session to keep is no longer live, and nothing changed.
    const ended = await this.users.revokeAll(tag, keep?.localId);
    if (ended === null) throw new SessionEndedError();
    this.observer.sessionsRevoked?.(keep ? 'others' : 'all', ended);
    await this.events.sessionsRevoked(userId, ended, keptSessionId);
    return ended;
  }

  /**
   * One page of the user's live sessions, oldest first (by creation time, then id): the first, the
   * one after `cursor` (a page's nextCursor), or past `offset` sessions. Token checks never move a
   * session in this order, so paging by cursor neither skips nor repeats one; a session started
   * meanwhile comes at the end. Each call costs one pass over the user's session index in Redis
   * and reads only the page's sessions.
   */
  async list(userId: string, page: PageRequest = {}): Promise<SessionPage> {
    const { from, limit } = pageBounds(page);
    const tag = await this.users.tagOf(userId);
    if (!tag) return { sessions: [], total: 0, nextCursor: null, nextOffset: null };
    const { sessions, total, more } = await this.store.list(tag, userId, from, limit);
    const last = more ? sessions[sessions.length - 1] : undefined;
    return {
      sessions,
      total,
      nextCursor: last ? sessionCursor(last) : null,
      nextOffset: 'offset' in from ? nextOffset(from.offset, limit, total) : null,
    };
  }

  /**
   * Bans a user: every session ends at once and create() refuses new ones (UserBannedError)
   * until `until`, or for good when it is null. `details` (text, such as the JSON of an admin's
   * reason) is stored with the ban in the same step. Answers how many live sessions ended.
   */
  async ban(userId: string, until: Date | null = null, details: string | null = null): Promise<number> {
    assertUserId(userId);
    const ended = await this.users.ban(await this.users.claimTag(userId), until, details);
    this.observer.sessionsRevoked?.('ban', ended);
    await this.events.userBanned(userId, until, ended);
    return ended;
  }

  /** Lifts a ban; true when one was in force. */
  async unban(userId: string): Promise<boolean> {
    const tag = await this.users.tagOf(userId);
    if (!tag || !(await this.users.unban(tag))) return false;
    await this.events.userUnbanned(userId);
    return true;
  }

  /**
   * Reports a password change made by the application's account store (which ends the user's
   * other sessions in the same step as the new hash) to the observer and the event stream.
   */
  async passwordChanged(userId: string, ended: number, keptSessionId: string): Promise<void> {
    this.observer.sessionsRevoked?.('password', ended);
    await this.events.passwordChanged(userId, ended, keptSessionId);
  }

  /** The end of the ban in force on the user (null: no end), or undefined when not banned. */
  async banOf(userId: string): Promise<Date | null | undefined> {
    const tag = await this.users.tagOf(userId);
    const ban = tag ? await this.users.banOf(tag) : null;
    return ban ? ban.until : undefined;
  }

  /** Roles are read by every validation, so a change applies to live sessions at once. */
  async setRoles(userId: string, roles: string[]): Promise<void> {
    for (const role of roles) {
      if (!ROLE.test(role)) throw new TesseraArgumentError(`Role ${JSON.stringify(role)} must match ${ROLE}.`);
    }
    await this.users.setRoles(await this.users.claimTag(userId), [...new Set(roles)].sort());
  }

  /** Sets one attribute of a live session by id (`ctx.state.session.set` in a request); refuses to recreate an ended session. */
  async setAttribute(sessionId: string, name: string, value: unknown): Promise<void> {
    await writeAttribute(this.store, sessionId, name, value, false);
  }

  /** Sets the attribute unless it is there already; answers the value it now has (concurrent callers agree). */
  async setAttributeIfAbsent(sessionId: string, name: string, value: unknown): Promise<unknown> {
    const existing = await writeAttribute(this.store, sessionId, name, value, true);
    return existing === undefined ? value : JSON.parse(existing);
  }

  /** Deletes one attribute of a session by id. */
  async deleteAttribute(sessionId: string, name: string): Promise<void> {
    await deleteAttribute(this.store, sessionId, name);
  }

  private async sessionRevoked(userId: string | null, sessionId: string): Promise<void> {
    this.observer.sessionsRevoked?.('session', 1);
    await this.events.sessionRevoked(userId, sessionId, 'revoked');
  }

  /** Resolves when Redis answers; throws StoreUnavailableError otherwise. */
  ping(): Promise<void> {
    return this.store.ping();
  }

  /** Closes the connection confirmed writes use, if one was opened; the client passed in stays open. */
  close(): Promise<void> {
    return this.store.close();
  }
}

/** An RFC 7638 SHA-256 thumbprint: 43 base64url characters. */
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/** Why a live session refused the request, as the DPoP challenge's detail says it. */
const UNPROVEN: Record<ProofRefusal, string> = {
  bearer: 'this session is bound to a key: send its token as "Authorization: DPoP" with a proof',
  key: 'the proof is not by the key this session is bound to',
  unbound: 'this session is not bound to a key: send its token as "Authorization: Bearer"',
  replayed: 'this proof was used before',
};

function presentation(options: ValidateOptions): Presentation {
  if (options.proof) return { as: 'proof', ...options.proof };
  return options.anyBinding ? { as: 'inspection' } : { as: 'bearer' };
}

/** Addresses in one IPv6 /64 are one network for the address-change signal, as for the throttles. */
const DEFAULT_IPV6_SUBNET_BITS = DEFAULT_THROTTLE_OPTIONS.ipv6SubnetBits;

/** A lifetime no longer than `maxSeconds` (absolute), when given. */
function capped(lifetime: SessionLifetime | undefined, maxSeconds: number | undefined, ceiling: SessionLifetime): SessionLifetime | undefined {
  if (maxSeconds === undefined) return lifetime;
  const { idleTimeoutSeconds, absoluteLifetimeSeconds } = lifetime ?? ceiling;
  const absolute = Math.min(absoluteLifetimeSeconds, maxSeconds);
  return { idleTimeoutSeconds: Math.min(idleTimeoutSeconds, absolute), absoluteLifetimeSeconds: absolute };
}

function isEmpty(lifetime: Lifetime): boolean {
  return lifetime.idleTimeoutSeconds === undefined && lifetime.absoluteLifetimeSeconds === undefined;
}

/** Creates the session service over an ioredis client (standalone or Cluster). */
export function createTessera(redis: RedisClientLike, options: TesseraOptions = {}): SessionService {
  return new SessionService(redis, options);
}
