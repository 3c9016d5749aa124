/**
 * The session record of a token check, built from touch.lua's reply only as far as it is read:
 * most requests need the user and perhaps the expiry, not Dates, the device or the attributes,
 * so nothing of those is allocated until asked for (and then once).
 */
import type { DeviceInfo, SessionRecord } from './records';
import { ATTRIBUTE_PREFIX, SESSION_FIELD } from './fields';

export interface TouchTimes {
  lastSeenMs: number;
  expiresAtMs: number;
  absoluteExpiresAtMs: number;
  /** 0: not remembered. */
  rememberedUntilMs: number;
}

export class TouchedRecord implements SessionRecord {
  private fieldMap?: Map<string, string>;
  private attributeMap?: Map<string, string>;
  private dates?: Partial<Record<'createdAt' | 'lastSeenAt' | 'expiresAt' | 'absoluteExpiresAt' | 'rememberedUntil', Date>>;
  private deviceInfo?: DeviceInfo;

  constructor(
    readonly id: string,
    readonly userId: string,
    readonly times: TouchTimes,
    /** The session hash as field, value, field, value..., without its secret hash and generation. */
    private readonly pairs: string[],
  ) {}

  get createdAt(): Date {
    return this.date('createdAt', Number(this.fields().get(SESSION_FIELD.created)));
  }

  get lastSeenAt(): Date {
    return this.date('lastSeenAt', this.times.lastSeenMs);
  }

  get expiresAt(): Date {
    return this.date('expiresAt', this.times.expiresAtMs);
  }

  get absoluteExpiresAt(): Date {
    return this.date('absoluteExpiresAt', this.times.absoluteExpiresAtMs);
  }

  get device(): DeviceInfo {
    this.deviceInfo ??= {
      type: this.fields().get(SESSION_FIELD.deviceType) ?? null,
      name: this.fields().get(SESSION_FIELD.deviceName) ?? null,
    };
    return this.deviceInfo;
  }

  get ip(): string | null {
    return this.fields().get(SESSION_FIELD.ip) ?? null;
  }

  get userAgent(): string | null {
    return this.fields().get(SESSION_FIELD.userAgent) ?? null;
  }

  get rememberedUntil(): Date | null {
    return this.times.rememberedUntilMs ? this.date('rememberedUntil', this.times.rememberedUntilMs) : null;
  }

  /** Attribute name (without prefix) -> JSON text. */
  attributes(): Map<string, string> {
    this.fields();
    return this.attributeMap!;
  }

  private date(name: keyof NonNullable<TouchedRecord['dates']>, ms: number): Date {
    this.dates ??= {};
    return (this.dates[name] ??= new Date(ms));
  }

  private fields(): Map<string, string> {
    if (!this.fieldMap) {
      this.fieldMap = new Map();
      this.attributeMap = new Map();
      for (let i = 0; i < this.pairs.length; i += 2) {
        const field = this.pairs[i];
        if (field.startsWith(ATTRIBUTE_PREFIX)) this.attributeMap.set(field.slice(ATTRIBUTE_PREFIX.length), this.pairs[i + 1]);
        else this.fieldMap.set(field, this.pairs[i + 1]);
      }
    }
    return this.fieldMap;
  }
}
