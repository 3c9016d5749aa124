/**
 * decodeSession(): the one reader of a session reply, and with encodeSessionFields() the only
 * TypeScript code that spells session field names. Every script answers a session in the one envelope of prelude.lua's sessionReply:
 * {localId, lastSeenMs, expiresAtMs, absoluteExpiresAtMs, rememberedUntilMs, {field, value, ...}}.
 * The record is built only as far as it is read: a token check mostly needs the user and perhaps
 * the expiry, not Dates, the device or the attributes, so none of those is allocated until asked
 * for (and then once).
 */
import { formatSessionId } from '../tokens/sessionId';
import { ATTRIBUTE_PREFIX, SESSION_FIELD, SESSION_TEXT_FIELDS, splitRoles, type SessionTextName } from './fields';
import type { DeviceInfo, SessionActor, SessionMetadata, SessionRecord, SessionUser } from './records';
import { packUserAgent, unpackUserAgent } from './userAgentCodec';

const TEXT_NAMES = Object.keys(SESSION_TEXT_FIELDS) as SessionTextName[];

type DateName = 'createdAt' | 'lastSeenAt' | 'expiresAt' | 'absoluteExpiresAt' | 'rememberedUntil' | 'authenticatedAt' | 'deviceBoundUntil';

export interface DecodedSession extends Readonly<Record<SessionTextName, string | null>> {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the text getters are defined on the prototype in the static block below.
export class DecodedSession implements SessionRecord {
  static {
    for (const name of TEXT_NAMES) {
      const { field } = SESSION_TEXT_FIELDS[name];
      Object.defineProperty(DecodedSession.prototype, name, {
        get(this: DecodedSession) {
          return this.fields().get(field) ?? null;
        },
      });
    }
  }

  private fieldMap?: Map<string, string>;
  private attributeMap?: Map<string, string>;
  private dates?: Partial<Record<DateName, Date>>;
  private deviceInfo?: DeviceInfo;

  constructor(
    readonly id: string,
    readonly userId: string,
    readonly lastSeenMs: number,
    readonly expiresAtMs: number,
    readonly absoluteExpiresAtMs: number,
    /** 0: not remembered. */
    readonly rememberedUntilMs: number,
    /** The session hash as field, value, field, value..., without its secret hash and generation. */
    private readonly pairs: string[],
  ) {}

  get createdAt(): Date {
    return this.date('createdAt', Number(this.fields().get(SESSION_FIELD.created)));
  }

  get lastSeenAt(): Date {
    return this.date('lastSeenAt', this.lastSeenMs);
  }

  get expiresAt(): Date {
    return this.date('expiresAt', this.expiresAtMs);
  }

  get absoluteExpiresAt(): Date {
    return this.date('absoluteExpiresAt', this.absoluteExpiresAtMs);
  }

  get device(): DeviceInfo {
    this.deviceInfo ??= {
      type: this.fields().get(SESSION_FIELD.deviceType) ?? null,
      name: this.fields().get(SESSION_FIELD.deviceName) ?? null,
    };
    return this.deviceInfo;
  }

  get boundKey(): string | null {
    return this.fields().get(SESSION_FIELD.boundKey) ?? null;
  }

  get deviceBoundUntil(): Date | null {
    const stored = this.fields().get(SESSION_FIELD.deviceBoundUntil);
    return stored === undefined ? null : this.date('deviceBoundUntil', Number(stored));
  }

  get rememberedUntil(): Date | null {
    return this.rememberedUntilMs ? this.date('rememberedUntil', this.rememberedUntilMs) : null;
  }

  get actor(): SessionActor | null {
    const id = this.fields().get(SESSION_FIELD.actorId);
    return id === undefined ? null : { id, username: this.fields().get(SESSION_FIELD.actorName) ?? null };
  }

  get authenticatedAt(): Date | null {
    const stored = this.fields().get(SESSION_FIELD.authenticatedAt);
    return stored === undefined ? null : this.date('authenticatedAt', Number(stored));
  }

  /** Attribute name (without prefix) -> JSON text; empty unless the reply carried them (touch, create). */
  attributes(): Map<string, string> {
    this.fields();
    return this.attributeMap!;
  }

  /** The record as a plain object, every field read. */
  toRecord(): SessionRecord {
    // Assigned field by field: built with Object.fromEntries and a spread, the record cost ten
    // times as much (about 15 µs a session, 1.5 ms for a page of a session list).
    const record = {} as SessionRecord;
    for (const name of TEXT_NAMES) record[name] = this[name];
    return Object.assign(record, {
      id: this.id,
      userId: this.userId,
      createdAt: this.createdAt,
      lastSeenAt: this.lastSeenAt,
      expiresAt: this.expiresAt,
      absoluteExpiresAt: this.absoluteExpiresAt,
      device: this.device,
      rememberedUntil: this.rememberedUntil,
      boundKey: this.boundKey,
      deviceBoundUntil: this.deviceBoundUntil,
      authenticatedAt: this.authenticatedAt,
      actor: this.actor,
    });
  }

  toJSON(): SessionRecord {
    return this.toRecord();
  }

  private date(name: DateName, ms: number): Date {
    this.dates ??= {};
    const date = this.dates[name] ?? new Date(ms);
    this.dates[name] = date;
    return date;
  }

  private fields(): Map<string, string> {
    if (!this.fieldMap) {
      this.fieldMap = new Map();
      this.attributeMap = new Map();
      for (let i = 0; i < this.pairs.length; i += 2) {
        const field = this.pairs[i];
        const value = String(this.pairs[i + 1]);
        if (field.startsWith(ATTRIBUTE_PREFIX)) this.attributeMap.set(field.slice(ATTRIBUTE_PREFIX.length), value);
        else if (field === SESSION_FIELD.packedUserAgent) {
          const text = unpackUserAgent(value);
          if (text !== null) this.fieldMap.set(SESSION_FIELD.userAgent, text);
        } else this.fieldMap.set(field, value);
      }
    }
    return this.fieldMap;
  }
}

/** Decodes one session envelope of the user with routing tag `tag`; throws on anything else. */
export function decodeSession(reply: unknown, tag: string, userId: string): DecodedSession {
  if (!Array.isArray(reply) || reply.length !== 6 || !Array.isArray(reply[5])) {
    throw new TypeError('A session reply must be the envelope of sessionReply (prelude.lua)');
  }
  const [localId, lastSeenMs, expiresAtMs, absoluteExpiresAtMs, rememberedUntilMs, pairs] = reply;
  return new DecodedSession(
    formatSessionId({ tag, localId: String(localId) }),
    userId,
    Number(lastSeenMs),
    Number(expiresAtMs),
    Number(absoluteExpiresAtMs),
    Number(rememberedUntilMs),
    pairs,
  );
}

/** The user a script answers beside a session: {userId, roles, userName} from the user hash. */
export function decodeUser(id: unknown, roles: unknown, name: unknown): SessionUser {
  return { id: String(id), roles: splitRoles(String(roles ?? '')), name: name ? String(name) : null };
}

/**
 * What a new session keeps beside the app's metadata: the DPoP key it is bound to, its kind's
 * lifetimes (ms) when shorter than the global ones, and its actor.
 */
export interface SessionExtras {
  boundKey?: string;
  idleMs?: number;
  absoluteMs?: number;
  actor?: SessionActor;
}

/** A login's metadata and its extras as the field, value pairs create.lua hands to writeSession (empty ones left out). */
export function encodeSessionFields(metadata: SessionMetadata, extra: SessionExtras = {}): string[] {
  const device = metadata.device ?? {};
  const fields: string[] = [];
  if (extra.idleMs !== undefined) fields.push(SESSION_FIELD.idleTimeout, String(extra.idleMs));
  if (extra.absoluteMs !== undefined) fields.push(SESSION_FIELD.absoluteLifetime, String(extra.absoluteMs));
  if (extra.actor) fields.push(SESSION_FIELD.actorId, extra.actor.id, SESSION_FIELD.actorName, extra.actor.username ?? '');
  if (device.type) fields.push(SESSION_FIELD.deviceType, device.type);
  if (device.name) fields.push(SESSION_FIELD.deviceName, device.name);
  if (extra.boundKey) fields.push(SESSION_FIELD.boundKey, extra.boundKey);
  for (const name of TEXT_NAMES) {
    const value = metadata[name];
    if (!value) continue;
    // A user agent is kept packed when it packs small (userAgentCodec.ts).
    const packed = name === 'userAgent' ? packUserAgent(value) : null;
    if (packed === null) fields.push(SESSION_TEXT_FIELDS[name].field, value);
    else fields.push(SESSION_FIELD.packedUserAgent, packed);
  }
  return fields;
}

/**
 * A refreshed session's user agent as refresh.lua takes it: packed, or as it is when it does not
 * pack small (one of the two is '').
 */
export function encodeUserAgent(userAgent: string): { packed: string; text: string } {
  const packed = userAgent ? packUserAgent(userAgent) : null;
  return packed === null ? { packed: '', text: userAgent } : { packed, text: '' };
}
