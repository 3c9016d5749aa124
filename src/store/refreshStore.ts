/**
 * Redis access for refresh families: spending a refresh token is one script over the owner's
 * hash slot (store/lua/refresh.lua), so checking and rotating it is one round trip (the service
 * around it also counts failures and reads the account). A rotation, or
 * a family ended for reuse, or a retry answered, is confirmed (durableWrites.ts): one a
 * fail-over lost would bring a spent refresh token back to life. A token that changed nothing
 * (unknown, wrong, a retry refused) waits for nothing: anyone can present one.
 */
import type { ResolvedTesseraOptions } from '../options';
import type { DurableWrites } from './durableWrites';
import type { KeySpace } from './keys';
import type { SessionRecord, SessionUser } from './records';
import { decodeSession, decodeUser, encodeUserAgent } from './sessionRecord';

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
  /** The thumbprint of the DPoP key the request proved, '' for none: a bound family needs its own. */
  provenKey: string;
}

/** The session a rotation minted (or a retry is given again), and its user. */
export interface MintedSession {
  session: SessionRecord;
  user: SessionUser;
}

export type RotationOutcome =
  /** `endedLocalId`: the family's previous session, which this rotation ended, if it was still live. */
  | { kind: 'rotated'; minted: MintedSession; endedLocalId: string | null }
  /** The first retry within the grace window: the first answer's session, and its pair sealed under the presented secret. */
  | { kind: 'replayed'; minted: MintedSession; sealedPair: string }
  /** A spent token after the grace window: the family and its session (if live) ended. */
  | { kind: 'reused'; userId: string; endedLocalId: string | null }
  /** The request did not prove the key the family is bound to (or proved one for an unbound family): nothing changed. */
  | { kind: 'unproven' }
  | { kind: 'unknown' };

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
    const userAgent = encodeUserAgent(rotation.userAgent);
    const reply = (await this.durable.writeIfChanged(
      {
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
          userAgent.text,
          SPENT_KEPT,
          keys.familyPrefix,
          keys.agentPrefix,
          rotation.provenKey,
          userAgent.packed,
        ],
      },
      wroteSomething,
    )) as unknown[] | null;
    if (!reply) return { kind: 'unknown' };
    if (reply[0] === 'unproven') return { kind: 'unproven' };
    if (reply[0] === 'reused') return { kind: 'reused', userId: String(reply[1]), endedLocalId: reply[2] ? String(reply[2]) : null };
    const user = decodeUser(reply[1], reply[2], reply[3]);
    const minted = { session: decodeSession(reply[4], rotation.tag, user.id).toRecord(), user };
    return reply[0] === 'replayed'
      ? { kind: 'replayed', minted, sealedPair: String(reply[5]) }
      : { kind: 'rotated', minted, endedLocalId: reply[5] ? String(reply[5]) : null };
  }
}

/**
 * Whether the script wrote what must survive a fail-over: a rotation, a family ended for reuse, or
 * the mark that a retry was answered (lost, it would let one more copy through). A family it
 * dropped because the user's generation moved on is dropped again if that is lost.
 */
function wroteSomething(reply: unknown): boolean {
  return Array.isArray(reply) && (reply[0] === 'rotated' || reply[0] === 'reused' || reply[0] === 'replayed');
}
