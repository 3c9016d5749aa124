/**
 * All Redis access for sessions and their users' security state. Every multi-key operation is
 * one Lua script over one user's hash slot; a token check is exactly one round trip.
 */
import type { ResolvedTesseraOptions } from '../options';
import { newRoutingTag } from '../tokens/sessionId';
import { DurableWrites } from './durableWrites';
import { attributeField, joinRoles, SESSION_FIELD, SESSION_TEXT_FIELDS, USER_FIELD, type SessionTextName } from './fields';
import { guard } from './guard';
import { KeySpace } from './keys';
import type { SessionMetadata, SessionRecord, SessionUser } from './records';
import { registerScripts, type RedisClient, type ScriptClient } from './scripts';
import { decodeSession, decodeUser, type DecodedSession } from './sessionRecord';

export interface TouchResult {
  /** Built lazily from the reply: a check that reads only the user allocates no Dates. */
  session: DecodedSession;
  user: SessionUser;
}

export interface CreateResult {
  outcome: 'created';
  /** Its rememberedUntil is when the refresh family started with it ends if unused. */
  session: SessionRecord;
  endedLocalIds: string[];
}

/** A banned user gets no session: when the ban ends (null: never). */
export interface BannedResult {
  outcome: 'banned';
  bannedUntil: Date | null;
}

export interface NewSession {
  userId: string;
  tag: string;
  localId: string;
  secretHash: Buffer;
  metadata: SessionMetadata;
  /** A remembered login: the refresh family to start with the session. */
  family?: { id: string; refreshHash: Buffer };
}

export class SessionStore {
  readonly keys: KeySpace;
  /** Security writes go through here: they succeed only once Redis confirms them. */
  readonly durable: DurableWrites;
  private readonly scripts: ScriptClient;

  private readonly idleMs: number;
  private readonly absoluteMs: number;
  private readonly refreshIdleMs: number;
  private readonly refreshAbsoluteMs: number;

  constructor(
    readonly redis: RedisClient,
    readonly options: ResolvedTesseraOptions,
  ) {
    this.keys = new KeySpace(options.keyPrefix);
    this.scripts = registerScripts(redis);
    this.durable = new DurableWrites(redis, { replicas: options.durableReplicas, timeoutMs: options.durableTimeoutMs });
    this.idleMs = Math.round(options.idleTimeoutSeconds * 1000);
    this.absoluteMs = Math.round(options.absoluteLifetimeSeconds * 1000);
    this.refreshIdleMs = Math.round(options.refreshIdleTimeoutSeconds * 1000);
    this.refreshAbsoluteMs = Math.round(options.refreshAbsoluteLifetimeSeconds * 1000);
  }

  /** The user's routing tag, or null when the user never had one (so has no sessions). */
  tagOf(userId: string): Promise<string | null> {
    return guard(() => this.redis.get(this.keys.userTag(userId)));
  }

  /** The user's routing tag, allocated and claimed on first use. */
  async claimTag(userId: string): Promise<string> {
    const existing = await this.tagOf(userId);
    if (existing) return existing;
    for (;;) {
      const candidate = newRoutingTag();
      const claimed = await guard(() => this.scripts.tessera_claimTag(this.keys.forUser(candidate).user, userId));
      if (claimed !== 1) continue;
      const stored = await guard(() => this.redis.set(this.keys.userTag(userId), candidate, 'NX'));
      if (stored === 'OK') return candidate;
      // A concurrent first login of the same user won; use its tag and drop the spare claim.
      await guard(() => this.redis.del(this.keys.forUser(candidate).user));
      const winner = await this.tagOf(userId);
      if (winner) return winner;
    }
  }

  async create(input: NewSession): Promise<CreateResult | BannedResult> {
    const keys = this.keys.forUser(input.tag);
    const { metadata } = input;
    const device = metadata.device ?? {};
    const fields: string[] = [];
    if (device.type) fields.push(SESSION_FIELD.deviceType, device.type);
    if (device.name) fields.push(SESSION_FIELD.deviceName, device.name);
    for (const [name, { field }] of Object.entries(SESSION_TEXT_FIELDS)) {
      const value = metadata[name as SessionTextName];
      if (value) fields.push(field, value);
    }
    const max = this.options.maxSessionsPerUser === Infinity ? 0 : this.options.maxSessionsPerUser;
    const reply = (await guard(() =>
      this.scripts.tessera_create(
        keys.user,
        keys.index,
        keys.session(input.localId),
        input.userId,
        input.localId,
        input.secretHash,
        this.idleMs,
        this.absoluteMs,
        max,
        device.type ?? '',
        this.options.oneSessionPerDeviceType ? '1' : '0',
        keys.sessionPrefix,
        keys.familyPrefix,
        input.family?.id ?? '',
        input.family?.refreshHash ?? '',
        this.refreshIdleMs,
        this.refreshAbsoluteMs,
        keys.agentPrefix,
        ...fields,
      ),
    )) as unknown[];
    if (reply[0] === 'banned') return { outcome: 'banned', bannedUntil: banEnd(String(reply[1])) };
    return {
      outcome: 'created',
      session: decodeSession(reply[1], input.tag, input.userId).toRecord(),
      endedLocalIds: reply.slice(2).map(String),
    };
  }

  async touch(tag: string, localId: string, secretHash: Buffer): Promise<TouchResult | null> {
    const keys = this.keys.forUser(tag);
    const reply = (await guard(() =>
      this.scripts.tessera_touch(
        keys.session(localId),
        keys.user,
        keys.index,
        secretHash,
        this.idleMs,
        this.absoluteMs,
        localId,
        keys.familyPrefix,
        this.options.slideGranularityMs,
        keys.agentPrefix,
      ),
    )) as unknown[] | null;
    if (!reply) return null;
    const user = decodeUser(reply[0], reply[1], reply[2]);
    return { session: decodeSession(reply[3], tag, user.id), user };
  }

  /** Ends one session; true when it was live. */
  async revoke(tag: string, localId: string): Promise<boolean> {
    const keys = this.keys.forUser(tag);
    const ended = await this.durable.write({ script: 'revoke', keys: [keys.session(localId), keys.index], args: [localId, keys.familyPrefix] });
    return Number(ended) === 1;
  }

  /**
   * Ends all the user's sessions but `keepLocalId`, setting `userFields` on the user hash in the
   * same atomic step; answers how many live sessions ended. When the session to keep is no longer
   * live it changes nothing and answers null: the request that asked has lost its session.
   */
  async revokeAll(tag: string, keepLocalId?: string, userFields: Record<string, string> = {}): Promise<number | null> {
    const keys = this.keys.forUser(tag);
    const ended = await this.durable.write({
      script: 'revokeAll',
      // With nothing to keep, any key of the slot will do: the script does not read it then.
      keys: [keys.user, keys.index, keys.session(keepLocalId ?? '')],
      args: [keepLocalId ?? '', this.idleMs, keys.familyPrefix, ...Object.entries(userFields).flat()],
    });
    return Number(ended) === -1 ? null : Number(ended);
  }

  /** One page of the user's live sessions (least recently seen first), and how many the user has. */
  async list(tag: string, userId: string, offset: number, limit: number): Promise<{ sessions: SessionRecord[]; total: number }> {
    const keys = this.keys.forUser(tag);
    const reply = (await guard(() =>
      this.scripts.tessera_list(keys.index, keys.sessionPrefix, this.idleMs, this.absoluteMs, keys.familyPrefix, offset, limit, keys.agentPrefix),
    )) as unknown[];
    const rows = reply[1] as unknown[];
    return { sessions: rows.map((row) => decodeSession(row, tag, userId).toRecord()), total: Number(reply[0]) };
  }

  /** 1 set, 0 session gone, -1 too many attributes; with onlyIfAbsent, the JSON already there. */
  async setAttribute(tag: string, localId: string, name: string, json: string, onlyIfAbsent = false): Promise<number | string> {
    const key = this.keys.session(tag, localId);
    const result = await guard(() =>
      this.scripts.tessera_setAttribute(key, attributeField(name), json, this.options.maxAttributes, onlyIfAbsent ? '1' : '0'),
    );
    return typeof result === 'string' ? result : Number(result);
  }

  async deleteAttribute(tag: string, localId: string, name: string): Promise<void> {
    await guard(() => this.redis.hdel(this.keys.session(tag, localId), attributeField(name)));
  }

  /** Roles live on the user hash, which touch reads anyway: a change is seen on the next request. */
  async setRoles(tag: string, roles: string[]): Promise<void> {
    await this.durable.write({ command: 'hset', args: [this.keys.forUser(tag).user, USER_FIELD.roles, joinRoles(roles)] });
  }


  /** Bans the user until untilMs (null: no end) and ends every session, in one step. */
  async ban(tag: string, until: Date | null): Promise<number> {
    // With no session to keep, revokeAll always acts.
    return (await this.revokeAll(tag, undefined, { [USER_FIELD.ban]: until ? String(until.getTime()) : 'inf' })) ?? 0;
  }

  /** Lifts a ban; true when one was in force. */
  async unban(tag: string): Promise<boolean> {
    const banned = await this.durable.write({ script: 'unban', keys: [this.keys.forUser(tag).user], args: [] });
    return isInForce(typeof banned === 'string' ? banned : null);
  }

  /** The ban in force on the user: its end (null: none), or undefined when not banned. */
  async banOf(tag: string): Promise<Date | null | undefined> {
    const banned = await guard(() => this.redis.hget(this.keys.forUser(tag).user, USER_FIELD.ban));
    return isInForce(banned) ? banEnd(banned!) : undefined;
  }

  /** The id of the user a routing tag belongs to, or null when the tag is unknown. */
  userIdOf(tag: string): Promise<string | null> {
    return guard(() => this.redis.hget(this.keys.forUser(tag).user, USER_FIELD.userId));
  }

  async ping(): Promise<void> {
    await guard(() => this.redis.ping());
  }

  /** Closes what the store opened itself (the confirming connection); the shared client stays open. */
  close(): Promise<void> {
    return this.durable.close();
  }
}

function banEnd(stored: string): Date | null {
  return stored === 'inf' ? null : new Date(Number(stored));
}

function isInForce(stored: string | null): boolean {
  return stored !== null && (stored === 'inf' || Number(stored) > Date.now());
}
