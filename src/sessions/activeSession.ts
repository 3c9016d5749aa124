/**
 * The session of the current request (ctx.state.session): its record, plus attributes that are
 * read from the touch reply and written one field at a time, so concurrent requests setting
 * different attributes never undo each other.
 */
import type { DeviceInfo, SessionRecord } from './types';

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
  }

  get(name: string): unknown {
    return this.attributes.get(name);
  }

  /** All attributes as a plain object (a copy). */
  allAttributes(): Record<string, unknown> {
    return Object.fromEntries(this.attributes);
  }

  async set(name: string, value: unknown): Promise<void> {
    await this.writer.setAttribute(this.id, name, value);
    this.attributes.set(name, value);
  }

  /** Sets the attribute unless another request did first; answers the value it now has. */
  async setIfAbsent(name: string, value: unknown): Promise<unknown> {
    const stored = await this.writer.setAttributeIfAbsent(this.id, name, value);
    this.attributes.set(name, stored);
    return stored;
  }

  async delete(name: string): Promise<void> {
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
    };
  }
}
