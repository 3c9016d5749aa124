/**
 * Redis access for sessions. Every multi-key operation is one Lua script over one user's hash
 * slot; a token check is exactly one round trip. A user's own state (tag, generation, roles, ban)
 * is the UserStore's, which this store opens over the same client.
 */
import { StoreUnavailableError } from '../errors';
import type { ResolvedTesseraOptions } from '../options';
import { DurableWrites } from './durableWrites';
import { attributeField, SESSION_FIELD, USER_FIELD } from './fields';
import { guard } from './guard';
import { KeySpace } from './keys';
import type { SessionActor, SessionMetadata, SessionRecord, SessionUser } from './records';
import { registerScripts, type RedisClient, type ScriptClient } from './scripts';
import { decodeSession, decodeUser, encodeSessionFields, type DecodedSession } from './sessionRecord';
import { UserStore } from './userStore';

/** touch.lua's proof arguments for a Bearer token (none: the script reads their absence as "bearer"), and for introspection (any key, no proof to record). */
const NO_PROOF_ARGUMENTS: readonly (string | number)[] = [];
const ANY_KEY_ARGUMENTS: readonly (string | number)[] = ['*', '', 0];

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
  /** The thumbprint of the DPoP key the session (and its family) is bound to; absent for a bearer session. */
  boundKey?: string;
  /** The lifetimes of the login's kind (lifetimeRules.ts). Seconds; the global ones when not given. */
  lifetime?: { idleTimeoutSeconds: number; absoluteLifetimeSeconds: number };
  /** The admin acting as the user (an impersonation session). */
  actor?: SessionActor;
}

/**
 * How a token came: as Bearer (a session bound to a key is refused), with a DPoP proof already
 * checked but for the session's key and its jti (both checked in the touch), or for inspection,
 * which accepts a session bound or not (the caller checks any proof itself).
 */
export type Presentation = { as: 'bearer' } | { as: 'proof'; jkt: string; jti: string; replayWindowMs: number } | { as: 'inspection' };

/** Why a live session refused a request: see touch.lua. */
export type ProofRefusal = 'bearer' | 'key' | 'unbound' | 'replayed';

const BEARER: Presentation = { as: 'bearer' };

/** Where a page of sessions starts: after a session's position in the stable order, or past a count. */
export type ListPosition = { after: { createdMs: number; localId: string } | null } | { offset: number };

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
    // The kind's lifetimes are kept only when shorter than the global ones, which stay the ceiling.
    const idleMs = input.lifetime && Math.round(input.lifetime.idleTimeoutSeconds * 1000);
    const absoluteMs = input.lifetime && Math.round(input.lifetime.absoluteLifetimeSeconds * 1000);
    const fields = encodeSessionFields(input.metadata, {
      boundKey: input.boundKey,
      idleMs: idleMs !== undefined && idleMs < this.idleMs ? idleMs : undefined,
      absoluteMs: absoluteMs !== undefined && absoluteMs < this.absoluteMs ? absoluteMs : undefined,
      actor: input.actor,
    });
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

  /**
   * Checks and slides a session; null when it is not live, { unproven } when it is but the
   * request does not prove the key it is bound to (it is left as it was). `secretHashHex`:
   * hashSecretHex of the token's secret.
   */
  async touch(tag: string, localId: string, secretHashHex: string, presented: Presentation = BEARER): Promise<TouchResult | { unproven: ProofRefusal } | null> {
    const keys = this.keys.forUser(tag);
    const session = keys.session(localId);
    const slide = this.options.slideGranularityMs;
    // A Bearer token leaves out the three proof arguments (about 0.1 µs each to build).
    const proof =
      presented.as === 'bearer'
        ? NO_PROOF_ARGUMENTS
        : presented.as === 'proof'
          ? [presented.jkt, keys.usedProof(localId, presented.jti), presented.replayWindowMs]
          : ANY_KEY_ARGUMENTS;
    const reply = (await guard(() =>
      this.scripts.tessera_touch(
        session,
        keys.user,
        keys.index,
        secretHashHex,
        this.idleMs,
        this.absoluteMs,
        localId,
        keys.familyPrefix,
        slide,
        keys.agentPrefix,
        ...proof,
      ),
    )) as unknown[] | null;
    if (!reply) return null;
    if (reply[0] === 'unproven' && reply.length === 2) return { unproven: String(reply[1]) as ProofRefusal };
    const user = decodeUser(reply[0], reply[1], reply[2]);
    return { session: decodeSession(reply[3], tag, user.id), user };
  }

  /**
   * Records a password proven again on the session (and its refresh family); the new sign-in time,
   * or null when the session is gone.
   */
  async reauthenticated(tag: string, localId: string): Promise<Date | null> {
    const keys = this.keys.forUser(tag);
    const at = Number(await guard(() => this.scripts.tessera_reauthenticate(keys.session(localId), keys.familyPrefix)));
    return at > 0 ? new Date(at) : null;
  }

  /** Notes an impersonation session the actor (by routing tag) started, until it ends by itself (ms). */
  async noteImpersonation(actorTag: string, sessionId: string, endsAtMs: number): Promise<void> {
    const key = this.keys.forUser(actorTag).impersonations;
    await guard(() => this.scripts.tessera_noteImpersonation(key, sessionId, endsAtMs));
  }

  /** Takes the ids of the impersonation sessions the actor started and may still be live, forgetting them. */
  async takeImpersonations(actorTag: string): Promise<string[]> {
    const key = this.keys.forUser(actorTag).impersonations;
    return (await guard(() => this.scripts.tessera_takeImpersonations(key))) as string[];
  }

  /**
   * Whether the session is live: in its user's index, and of the user's generation (which
   * revoke-all and a ban move on). One MULTI in the user's slot.
   */
  async isLive(tag: string, localId: string): Promise<boolean> {
    const keys = this.keys.forUser(tag);
    const replies = await guard(() =>
      this.redis
        .multi()
        .hget(keys.user, USER_FIELD.sessionSeen + localId)
        .hget(keys.session(localId), SESSION_FIELD.generation)
        .hget(keys.user, USER_FIELD.generation)
        .exec(),
    );
    // A refused command is a store fault (a 503), not an ended session.
    const failed = replies?.find(([error]) => error)?.[0];
    if (failed) throw new StoreUnavailableError(failed);
    const [seen, generation, current] = (replies ?? []).map(([, value]) => value);
    return seen !== null && seen !== undefined && generation !== null && generation !== undefined && generation === current;
  }

  /**
   * Binds a cookie session to its browser's public key (DBSC) and opens its first window. A
   * remembered login's refresh family is superseded in the same step (it refreshes nothing, and a
   * token of it presented later is taken for reuse), and the session takes over its lifetime. Answers the window's end and the session's expiry (ms) and whether a remembered login
   * was taken over; 'gone' when the session or the secret is not live, 'bound' when it is bound already.
   */
  async bindDevice(
    tag: string,
    localId: string,
    secretHash: Buffer,
    keyJson: string,
    windowMs: number,
  ): Promise<{ boundUntilMs: number; expiresAtMs: number; remembered: boolean } | 'gone' | 'bound'> {
    const keys = this.keys.forUser(tag);
    const reply = (await guard(() =>
      this.scripts.tessera_bindDevice(
        keys.session(localId),
        keys.user,
        secretHash,
        keyJson,
        windowMs,
        localId,
        keys.familyPrefix,
        this.refreshIdleMs,
        this.refreshAbsoluteMs,
        keys.agentPrefix,
      ),
    )) as number[];
    const boundUntilMs = Number(reply[0]);
    if (boundUntilMs <= 0) return boundUntilMs === 0 ? 'gone' : 'bound';
    return { boundUntilMs, expiresAtMs: Number(reply[1]), remembered: Number(reply[2]) === 1 };
  }

  /** The public key (JWK JSON) a session is bound to (DBSC), or null. */
  async deviceKey(tag: string, localId: string): Promise<string | null> {
    return guard(() => this.redis.get(this.keys.forUser(tag).deviceKey(localId)));
  }

  /**
   * Gives a browser-bound session a new secret and a new window, once its key signed `challenge`;
   * `challengeKeptMs` is how long the challenge stays spent. Answers the new window's end and the
   * session's expiry (ms), or why not.
   */
  async renewDeviceBinding(
    tag: string,
    localId: string,
    secretHash: Buffer,
    challenge: string,
    windowMs: number,
    challengeKeptMs: number,
  ): Promise<{ boundUntilMs: number; expiresAtMs: number } | 'gone' | 'unbound' | 'replayed'> {
    const keys = this.keys.forUser(tag);
    const reply = await guard(() =>
      this.scripts.tessera_renewDeviceBinding(
        keys.session(localId),
        keys.user,
        keys.index,
        keys.usedProof(localId, challenge),
        secretHash,
        windowMs,
        this.idleMs,
        this.absoluteMs,
        localId,
        challengeKeptMs,
        keys.agentPrefix,
      ),
    );
    if (!Array.isArray(reply)) return String(reply) as 'gone' | 'unbound' | 'replayed';
    return { boundUntilMs: Number(reply[0]), expiresAtMs: Number(reply[1]) };
  }

  /** Ends one session; true when it was live. */
  async revoke(tag: string, localId: string): Promise<boolean> {
    const keys = this.keys.forUser(tag);
    const ended = await this.durable.write({ script: 'revoke', keys: [keys.session(localId), keys.user, keys.index], args: [localId, keys.familyPrefix] });
    return Number(ended) === 1;
  }

  /**
   * One page of the user's live sessions, oldest first (by creation, then id), and how many the
   * user has: the page after a position (null: the first), or after skipping `offset` sessions.
   */
  async list(tag: string, userId: string, from: ListPosition, limit: number): Promise<{ sessions: SessionRecord[]; total: number; more: boolean }> {
    const keys = this.keys.forUser(tag);
    const position = 'offset' in from ? ['offset', from.offset, ''] : ['after', from.after?.createdMs ?? '', from.after?.localId ?? ''];
    const reply = (await guard(() =>
      this.scripts.tessera_list(
        keys.user,
        keys.index,
        keys.createdIndex,
        keys.sessionPrefix,
        this.idleMs,
        this.absoluteMs,
        keys.familyPrefix,
        limit,
        keys.agentPrefix,
        ...position,
      ),
    )) as unknown[];
    const rows = reply[1] as unknown[];
    return { sessions: rows.map((row) => decodeSession(row, tag, userId).toRecord()), total: Number(reply[0]), more: reply[2] === 1 };
  }

  /** 1 set, 0 session gone, -1 too many attributes; with onlyIfAbsent, the JSON already there. */
  async setAttribute(tag: string, localId: string, name: string, json: string, onlyIfAbsent = false): Promise<number | string> {
    const key = this.keys.session(tag, localId);
    const result = await guard(() => this.scripts.tessera_setAttribute(key, attributeField(name), json, this.options.maxAttributes, onlyIfAbsent ? '1' : '0'));
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
