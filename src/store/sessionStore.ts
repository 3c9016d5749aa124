/**
 * Redis access for sessions. Every multi-key operation is one Lua script over one user's hash
 * slot; a token check is exactly one round trip. A user's own state (tag, generation, roles, ban)
 * is the UserStore's, which this store opens over the same client.
 */
import type { ResolvedTesseraOptions } from '../options';
import { DurableWrites } from './durableWrites';
import { attributeField } from './fields';
import { guard } from './guard';
import { KeySpace } from './keys';
import type { SessionMetadata, SessionRecord, SessionUser } from './records';
import { registerScripts, type RedisClient, type ScriptClient } from './scripts';
import { decodeSession, decodeUser, encodeSessionFields, type DecodedSession } from './sessionRecord';
import { UserStore } from './userStore';

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
  /** The users whose sessions these are. */
  readonly users: UserStore;
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
    this.users = new UserStore(redis, this.scripts, this.keys, this.durable, this.idleMs);
  }

  async create(input: NewSession): Promise<CreateResult | BannedResult> {
    const keys = this.keys.forUser(input.tag);
    const fields = encodeSessionFields(input.metadata);
    const device = input.metadata.device ?? {};
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
