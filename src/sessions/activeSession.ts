/**
 * The session of the current request (ctx.state.session): its record, plus attributes that are
 * read from the touch reply and written one field at a time, so concurrent requests setting
 * different attributes never undo each other.
 */
import type { DeviceInfo, SessionActor, SessionRecord } from './types';

/**
 * The types of your session attributes, declared by merging into this interface:
 *
 *     declare module 'tessera-sessions' {
 *       interface SessionAttributes { theme: 'light' | 'dark'; cartId: string }
 *     }
 *
 * Declared names get their type from get/set/setIfAbsent; other names stay `unknown`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: an interface, so apps can declare their attributes into it by declaration merging.
export interface SessionAttributes {}

/** An attribute name: one declared in SessionAttributes, or any other string. */
export type AttributeName = keyof SessionAttributes | (string & {});

/** The declared type of an attribute, or unknown for an undeclared name. */
export type AttributeValue<K extends AttributeName> = K extends keyof SessionAttributes ? SessionAttributes[K] : unknown;

/** Writes one attribute of a session by id: the session service, for ActiveSession. */
export interface AttributeWriter {
  setAttribute(sessionId: string, name: string, value: unknown): Promise<void>;
  setAttributeIfAbsent(sessionId: string, name: string, value: unknown): Promise<unknown>;
  deleteAttribute(sessionId: string, name: string): Promise<void>;
}

/**
 * The session of the current request (`ctx.state.session`): its record, and its attributes, each
 * read from the token check's one round trip and written one field at a time.
 */
export class ActiveSession implements SessionRecord {
  private attributeMap: Map<string, unknown> | null;

  /**
   * `attributes` may be a function that reads them: it runs on the first attribute read, so a
   * request that reads none parses none. The record's fields are read through as they are asked for.
   * @internal The session service makes these; apps get them from `validate()` and `ctx.state.session`.
   */
  constructor(
    private readonly record: SessionRecord,
    private readonly attributes: Map<string, unknown> | (() => Map<string, unknown>),
    private readonly writer: AttributeWriter,
  ) {
    this.attributeMap = attributes instanceof Map ? attributes : null;
  }

  get id(): string {
    return this.record.id;
  }

  /** The id of the session's user. */
  get userId(): string {
    return this.record.userId;
  }

  /** When the session was started (the login). */
  get createdAt(): Date {
    return this.record.createdAt;
  }

  /** When the session was last used, as coarse as the slide granularity. */
  get lastSeenAt(): Date {
    return this.record.lastSeenAt;
  }

  get expiresAt(): Date {
    return this.record.expiresAt;
  }

  get absoluteExpiresAt(): Date {
    return this.record.absoluteExpiresAt;
  }

  /** The device the session was started on. */
  get device(): DeviceInfo {
    return this.record.device;
  }

  /** The client address at login, or null. */
  get ip(): string | null {
    return this.record.ip;
  }

  /** The user agent at login, or null. */
  get userAgent(): string | null {
    return this.record.userAgent;
  }

  get rememberedUntil(): Date | null {
    return this.record.rememberedUntil;
  }

  /** The thumbprint of the key the session is bound to (DPoP), or null for a bearer session. */
  get boundKey(): string | null {
    return this.record.boundKey;
  }

  /** When the window its browser-bound cookie is accepted in ends (DBSC), or null for a session no browser key was registered for. */
  get deviceBoundUntil(): Date | null {
    return this.record.deviceBoundUntil;
  }

  get authenticatedAt(): Date | null {
    return this.record.authenticatedAt;
  }

  get actor(): SessionActor | null {
    return this.record.actor;
  }

  /** The attribute's value, or undefined when the session has none by that name. */
  get<K extends AttributeName>(name: K): AttributeValue<K> | undefined {
    return this.attributeValues().get(name) as AttributeValue<K> | undefined;
  }

  /** All attributes as a plain object (a copy). */
  allAttributes(): Partial<SessionAttributes> & Record<string, unknown> {
    return Object.fromEntries(this.attributeValues());
  }

  /** Sets one attribute (one field in Redis, so concurrent requests never undo each other); throws AttributeRejectedError over the size or count limit. */
  async set<K extends AttributeName>(name: K, value: AttributeValue<K>): Promise<void> {
    await this.writer.setAttribute(this.id, name, value);
    this.attributeValues().set(name, value);
  }

  /** Sets the attribute unless another request did first; answers the value it now has. */
  async setIfAbsent<K extends AttributeName>(name: K, value: AttributeValue<K>): Promise<AttributeValue<K>> {
    const stored = await this.writer.setAttributeIfAbsent(this.id, name, value);
    this.attributeValues().set(name, stored);
    return stored as AttributeValue<K>;
  }

  /** Deletes one attribute. */
  async delete(name: AttributeName): Promise<void> {
    await this.writer.deleteAttribute(this.id, name);
    this.attributeValues().delete(name);
  }

  private attributeValues(): Map<string, unknown> {
    this.attributeMap ??= (this.attributes as () => Map<string, unknown>)();
    return this.attributeMap;
  }

  /** The session's record without its attributes, as JSON shows it. */
  toJSON(): SessionRecord {
    return {
      id: this.id,
      userId: this.userId,
      createdAt: this.createdAt,
      lastSeenAt: this.lastSeenAt,
      expiresAt: this.expiresAt,
      absoluteExpiresAt: this.absoluteExpiresAt,
      device: this.device,
      ip: this.ip,
      userAgent: this.userAgent,
      rememberedUntil: this.rememberedUntil,
      boundKey: this.boundKey,
      deviceBoundUntil: this.deviceBoundUntil,
      authenticatedAt: this.authenticatedAt,
      actor: this.actor,
    };
  }
}
