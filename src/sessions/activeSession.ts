/**
 * The session of the current request (ctx.state.session): its record, plus attributes that are
 * read from the touch reply and written one field at a time, so concurrent requests setting
 * different attributes never undo each other.
 */
import type { DeviceInfo, SessionRecord } from './types';

/**
 * The types of your session attributes, declared by merging into this interface:
 *
 *     declare module 'tessera-sessions' {
 *       interface SessionAttributes { theme: 'light' | 'dark'; cartId: string }
 *     }
 *
 * Declared names get their type from get/set/setIfAbsent; other names stay `unknown`.
 */
export interface SessionAttributes {}

/** An attribute name: one declared in SessionAttributes, or any other string. */
export type AttributeName = keyof SessionAttributes | (string & {});

/** The declared type of an attribute, or unknown for an undeclared name. */
export type AttributeValue<K extends AttributeName> = K extends keyof SessionAttributes ? SessionAttributes[K] : unknown;

export interface AttributeWriter {
  setAttribute(sessionId: string, name: string, value: unknown): Promise<void>;
  setAttributeIfAbsent(sessionId: string, name: string, value: unknown): Promise<unknown>;
  deleteAttribute(sessionId: string, name: string): Promise<void>;
}

export class ActiveSession implements SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly expiresAt: Date;
  readonly absoluteExpiresAt: Date;
  readonly device: DeviceInfo;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly rememberedUntil: Date | null;

  constructor(
    record: SessionRecord,
    private readonly attributes: Map<string, unknown>,
    private readonly writer: AttributeWriter,
  ) {
    this.id = record.id;
    this.userId = record.userId;
    this.createdAt = record.createdAt;
    this.lastSeenAt = record.lastSeenAt;
    this.expiresAt = record.expiresAt;
    this.absoluteExpiresAt = record.absoluteExpiresAt;
    this.device = record.device;
    this.ip = record.ip;
    this.userAgent = record.userAgent;
    this.rememberedUntil = record.rememberedUntil;
  }

  get<K extends AttributeName>(name: K): AttributeValue<K> | undefined {
    return this.attributes.get(name) as AttributeValue<K> | undefined;
  }

  /** All attributes as a plain object (a copy). */
  allAttributes(): Partial<SessionAttributes> & Record<string, unknown> {
    return Object.fromEntries(this.attributes);
  }

  async set<K extends AttributeName>(name: K, value: AttributeValue<K>): Promise<void> {
    await this.writer.setAttribute(this.id, name, value);
    this.attributes.set(name, value);
  }

  /** Sets the attribute unless another request did first; answers the value it now has. */
  async setIfAbsent<K extends AttributeName>(name: K, value: AttributeValue<K>): Promise<AttributeValue<K>> {
    const stored = await this.writer.setAttributeIfAbsent(this.id, name, value);
    this.attributes.set(name, stored);
    return stored as AttributeValue<K>;
  }

  async delete(name: AttributeName): Promise<void> {
    await this.writer.deleteAttribute(this.id, name);
    this.attributes.delete(name);
  }

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
    };
  }
}
