/**
 * Public session ids. An id is the owner's routing tag followed by a random local part: the tag
 * names the Redis Cluster hash slot of every key of that user, so the id alone finds the session
 * (an admin can end it knowing nothing else). A tag is a digest of the user id (so finding a
 * user's slot needs no stored mapping), or a random one for the rare user whose digest another
 * user already holds and for users from before tags were derived. An id is not a credential: the
 * token's secret is separate and never stored.
 */
import { hash } from 'node:crypto';
import { customAlphabet } from 'nanoid';

export const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const ROUTING_TAG_LENGTH = 10;
export const LOCAL_ID_LENGTH = 12;
export const SESSION_ID_LENGTH = ROUTING_TAG_LENGTH + LOCAL_ID_LENGTH;

const randomTag = customAlphabet(ID_ALPHABET, ROUTING_TAG_LENGTH);
const randomLocalId = customAlphabet(ID_ALPHABET, LOCAL_ID_LENGTH);
const SESSION_ID_PATTERN = new RegExp(`^[0-9A-Za-z]{${SESSION_ID_LENGTH}}$`);

export interface SessionIdParts {
  /** The owner's routing tag: the Redis hash tag of all the owner's keys. */
  tag: string;
  /** The part that tells the owner's sessions apart; the member of the owner's session index. */
  localId: string;
}

export function newRoutingTag(): string {
  return randomTag();
}

const ALPHABET_SIZE = BigInt(ID_ALPHABET.length);

/** The routing tag a user id is given first: ROUTING_TAG_LENGTH characters of the alphabet, from its SHA-256. */
export function derivedRoutingTag(userId: string): string {
  let value = BigInt(`0x${hash('sha256', userId, 'hex').slice(0, 16)}`);
  let tag = '';
  for (let i = 0; i < ROUTING_TAG_LENGTH; i++) {
    tag += ID_ALPHABET[Number(value % ALPHABET_SIZE)];
    value /= ALPHABET_SIZE;
  }
  return tag;
}

export function newLocalId(): string {
  return randomLocalId();
}

export function formatSessionId(parts: SessionIdParts): string {
  return parts.tag + parts.localId;
}

/** Splits a session id, or answers null when it cannot be one (so no Redis call is made for it). */
export function parseSessionId(id: string): SessionIdParts | null {
  if (!SESSION_ID_PATTERN.test(id)) return null;
  return { tag: id.slice(0, ROUTING_TAG_LENGTH), localId: id.slice(ROUTING_TAG_LENGTH) };
}
