/**
 * Refresh tokens: `tessr_` + the owner's routing tag + the family's local id + secret. The
 * prefix differs from a session token's so a leaked one is recognised (and never mistaken for a
 * bearer token); the secret, 32 characters of a 62-letter alphabet (about 190 bits from the
 * CSPRNG behind nanoid), is stored only as its hash, like a session token's.
 */
import { customAlphabet } from 'nanoid';
import { ID_ALPHABET, LOCAL_ID_LENGTH, ROUTING_TAG_LENGTH } from './sessionId';
import { newSecret } from './token';

export const REFRESH_TOKEN_PREFIX = 'tessr_';
const SECRET_LENGTH = 32;
const FAMILY_ID_LENGTH = LOCAL_ID_LENGTH;
export const REFRESH_TOKEN_LENGTH = REFRESH_TOKEN_PREFIX.length + ROUTING_TAG_LENGTH + FAMILY_ID_LENGTH + SECRET_LENGTH;
const REFRESH_TOKEN_PATTERN = new RegExp(`^${REFRESH_TOKEN_PREFIX}[0-9A-Za-z]{${REFRESH_TOKEN_LENGTH - REFRESH_TOKEN_PREFIX.length}}$`);

const randomFamilyId = customAlphabet(ID_ALPHABET, FAMILY_ID_LENGTH);

export interface ParsedRefreshToken {
  /** The owner's routing tag. */
  tag: string;
  /** The family: one remembered login, whatever its rotations. */
  familyId: string;
  secret: string;
}

export function newFamilyId(): string {
  return randomFamilyId();
}

export { newSecret as newRefreshSecret };

export function formatRefreshToken(tag: string, familyId: string, secret: string): string {
  return REFRESH_TOKEN_PREFIX + tag + familyId + secret;
}

/** Splits a presented refresh token, or answers null when it cannot be one of ours (no Redis call then). */
export function parseRefreshToken(token: string): ParsedRefreshToken | null {
  if (typeof token !== 'string' || !REFRESH_TOKEN_PATTERN.test(token)) return null;
  const body = token.slice(REFRESH_TOKEN_PREFIX.length);
  return {
    tag: body.slice(0, ROUTING_TAG_LENGTH),
    familyId: body.slice(ROUTING_TAG_LENGTH, ROUTING_TAG_LENGTH + FAMILY_ID_LENGTH),
    secret: body.slice(ROUTING_TAG_LENGTH + FAMILY_ID_LENGTH),
  };
}
