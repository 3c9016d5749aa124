/**
 * The text of a form that arrived after its session lapsed, kept briefly under a random id so
 * the page can show it again once the user has logged back in. Read once (GETDEL).
 */
import { randomBytes } from 'node:crypto';
import { guard } from './guard';
import type { KeySpace } from './keys';
import type { RedisClient } from './scripts';

const DRAFT_ID = /^[A-Za-z0-9_-]{22}$/;

export class FormDraftStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
    /** How long a draft waits for its user. Milliseconds. */
    readonly ttlMs: number,
  ) {}

  async save(fields: Record<string, string>): Promise<string> {
    const draftId = randomBytes(16).toString('base64url');
    await guard(() => this.redis.set(this.keys.formDraft(draftId), JSON.stringify(fields), 'PX', this.ttlMs));
    return draftId;
  }

  /** The draft's fields, once; null when unknown or expired. */
  async take(draftId: string): Promise<Record<string, string> | null> {
    if (!DRAFT_ID.test(draftId)) return null;
    const text = await guard(() => this.redis.getdel(this.keys.formDraft(draftId)));
    if (text === null) return null;
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return null;
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
}
