/**
 * Redis access for refresh families: spending a refresh token is one script over the owner's
 * hash slot (store/lua/refresh.lua), the single round trip of POST /auth/refresh. A rotation, or
 * a family ended for reuse, is confirmed (durableWrites.ts): one a fail-over lost
 * would bring a spent refresh token back to life. A token that changed nothing (unknown, wrong,
 * a retry within the grace window) waits for nothing: anyone can present one.
 */
import type { ResolvedTesseraOptions } from '../options';
import type { DurableWrites } from './durableWrites';
import { splitRoles } from './fields';
import type { KeySpace } from './keys';

/** Spent refresh hashes a family remembers for reuse detection (older ones are merely unknown). */
const SPENT_KEPT = 64;

export interface Rotation {
  tag: string;
  familyId: string;
  presentedHash: Buffer;
  newLocalId: string;
  newSessionHash: Buffer;
  newRefreshHash: Buffer;
  /** The new pair sealed under the presented secret (tokens/sealedPair.ts), as text. */
  sealedPair: string;
  ip: string;
  userAgent: string;
}

export interface MintedSession {
  userId: string;
  roles: string[];
  userName: string;
  localId: string;
  createdAtMs: number;
  expiresAtMs: number;
  absoluteExpiresAtMs: number;
  refreshExpiresAtMs: number;
  deviceType: string;
  deviceName: string;
  ip: string;
  userAgent: string;
}

export type RotationOutcome =
  /** `endedLocalId`: the family's previous session, which this rotation ended, if it was still live. */
  | { kind: 'rotated'; minted: MintedSession; endedLocalId: string | null }
  /** A retry within the grace window: the first answer's session, and its pair sealed under the presented secret. */
  | { kind: 'replayed'; minted: MintedSession; sealedPair: string }
  /** A spent token after the grace window: the family and its session (if live) ended. */
  | { kind: 'reused'; userId: string; endedLocalId: string | null }
  | { kind: 'unknown' };

type Reply = [string, string, string, string, string, string, string, string, string, string, string, string, string, string, string?];

export class RefreshStore {
  private readonly args: number[];

  constructor(
    private readonly durable: DurableWrites,
    private readonly keys: KeySpace,
    options: ResolvedTesseraOptions,
  ) {
    this.args = [
      options.idleTimeoutSeconds,
      options.absoluteLifetimeSeconds,
      options.refreshIdleTimeoutSeconds,
      options.refreshAbsoluteLifetimeSeconds,
      options.refreshReuseGraceSeconds,
    ].map((seconds) => Math.round(seconds * 1000));
  }

  async rotate(rotation: Rotation): Promise<RotationOutcome> {
    const keys = this.keys.forUser(rotation.tag);
    const reply = (await this.durable.writeIfChanged({
      script: 'refresh',
      keys: [keys.family(rotation.familyId), keys.spentRefreshes(rotation.familyId), keys.user, keys.index, keys.session(rotation.newLocalId)],
      args: [
        rotation.presentedHash,
        rotation.familyId,
        rotation.newLocalId,
        rotation.newSessionHash,
        rotation.newRefreshHash,
        ...this.args,
        keys.sessionPrefix,
        rotation.sealedPair,
        rotation.ip,
        rotation.userAgent,
        SPENT_KEPT,
      ],
    }, wroteSomething)) as Reply | null;
    if (!reply) return { kind: 'unknown' };
    const [kind, userId, roles, userName, localId, created, expires, absolute, refreshExpires, deviceType, deviceName, ip, userAgent, sealed, ended] = reply;
    if (kind === 'reused') return { kind, userId, endedLocalId: localId || null };
    const minted: MintedSession = {
      userId,
      roles: splitRoles(roles),
      userName,
      localId,
      createdAtMs: Number(created),
      expiresAtMs: Number(expires),
      absoluteExpiresAtMs: Number(absolute),
      refreshExpiresAtMs: Number(refreshExpires),
      deviceType,
      deviceName,
      ip,
      userAgent,
    };
    return kind === 'replayed' ? { kind, minted, sealedPair: sealed } : { kind: 'rotated', minted, endedLocalId: ended || null };
  }
}

/**
 * Whether the script wrote what must survive a fail-over: a rotation, or a family ended for reuse.
 * A family it dropped because the user's generation moved on is dropped again if that is lost.
 */
function wroteSomething(reply: unknown): boolean {
  return Array.isArray(reply) && (reply[0] === 'rotated' || reply[0] === 'reused');
}
