/**
 * The session service: create, validate (and slide), refresh, list and revoke sessions, and ban
 * users, for plain user ids. It knows nothing of HTTP: its errors carry no challenge, and the Koa
 * middleware and the service's routes are the adapters that answer them.
 */
import { SessionEndedError, RefreshTokenReusedError, TesseraArgumentError, UserBannedError } from '../errors';
import { resolveTesseraOptions, type ResolvedTesseraOptions, type TesseraOptions } from '../options';
import { toRedisClient, warnUnlessFailFast, type RedisClientLike } from '../store/clientCheck';
import { EventStore } from '../store/eventStore';
import { RefreshStore } from '../store/refreshStore';
import { SessionStore } from '../store/sessionStore';
import type { UserStore } from '../store/userStore';
import { parseSessionId } from '../tokens/sessionId';
import { hashSecret, parseToken } from '../tokens/token';
import { ROLE } from '../validation/rules';
import { ActiveSession, type AttributeWriter } from './activeSession';
import { deleteAttribute, writeAttribute } from './attributes';
import { LifecycleEvents } from './lifecycleEvents';
import { NewSession } from './newSession';
import type { SessionObserver } from './observer';
import { assertUserId, cleanMetadata } from './sessionInput';
import { nextOffset, pageBounds } from './sessionPage';
import { Refresher } from './refresher';
import type { CreatedSession, CreateOptions, PageRequest, RefreshedSession, SessionMetadata, SessionPage, SessionUser } from './types';

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
    this.refresher = new Refresher(new RefreshStore(this.store.durable, this.store.keys, this.options));
  }

  /**
   * Starts a session for a user id the app has authenticated; returns the token once. With
   * `remember`, it also starts a refresh family and returns its first refresh token, once.
   */
  async create(userId: string, metadata: SessionMetadata = {}, options: CreateOptions = {}): Promise<CreatedSession> {
    assertUserId(userId);
    const cleaned = cleanMetadata(metadata);
    const session = new NewSession(userId, await this.users.claimTag(userId), cleaned, Boolean(options.remember));
    const created = await this.store.create(session.toStored());
    if (created.outcome === 'banned') throw new UserBannedError(created.bannedUntil);
    const answer = session.answer(created);
    const { endedSessionIds } = answer;
    if (endedSessionIds.length > 0) this.observer.sessionsRevoked?.('replaced', endedSessionIds.length);
    await this.events.sessionCreated(userId, answer.session.id);
    for (const ended of endedSessionIds) await this.events.sessionRevoked(userId, ended, 'replaced');
    return answer;
  }

  /**
   * Checks a presented token and slides its expiry, in one Redis round trip. Answers null for
   * anything that is not a live session (malformed tokens cost no Redis call at all).
   */
  async validate(token: string): Promise<Validation | null> {
    const parsed = parseToken(token);
    if (!parsed) {
      this.observer.tokenChecked?.('invalid', null);
      return null;
    }
    const started = performance.now();
    let result;
    try {
      result = await this.store.touch(parsed.tag, parsed.localId, hashSecret(parsed.secret));
    } catch (error) {
      this.observer.tokenChecked?.('unavailable', null);
      throw error;
    }
    this.observer.tokenChecked?.(result ? 'valid' : 'invalid', (performance.now() - started) / 1000);
    if (!result) return null;
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
   */
  async refresh(refreshToken: string, metadata: Pick<SessionMetadata, 'ip' | 'userAgent'> = {}): Promise<RefreshedSession | null> {
    try {
      const spent = await this.refresher.spend(refreshToken, cleanMetadata(metadata));
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
   * One page of the user's live sessions, least recently used first. Pages keep each call's work
   * bounded even for a user with very many sessions (maxSessionsPerUser: Infinity).
   */
  async list(userId: string, page: PageRequest = {}): Promise<SessionPage> {
    const { offset, limit } = pageBounds(page);
    const tag = await this.users.tagOf(userId);
    if (!tag) return { sessions: [], total: 0, nextOffset: null };
    const { sessions, total } = await this.store.list(tag, userId, offset, limit);
    return { sessions, total, nextOffset: nextOffset(offset, limit, total) };
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

/** Creates the session service over an ioredis client (standalone or Cluster). */
export function createTessera(redis: RedisClientLike, options: TesseraOptions = {}): SessionService {
  return new SessionService(redis, options);
}
