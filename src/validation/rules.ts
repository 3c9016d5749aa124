/**
 * What a username, a password, a role and a device type may be: each rule defined once, here, and
 * used by the session service, the accounts, the JSON API, the pages, the CLI and the
 * configuration. Plain values without dependencies, so the library's session core can use them too.
 */

/** 3-32 letters, digits, ".", "_" or "-", starting with a letter or digit. */
export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$/;
export const MAX_USERNAME_LENGTH = 32;

/** Usernames are unique case-insensitively; they are ASCII (USERNAME), so lower-casing is locale-independent. */
export function normalizeUsername(username: string): string {
  return username.toLowerCase();
}

/** Characters of a new password, at least. */
export const MIN_PASSWORD_LENGTH = 8;
/** bcrypt reads at most 72 bytes; longer passwords are refused rather than silently truncated. */
export const MAX_PASSWORD_BYTES = 72;

export function withinPasswordBytes(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') <= MAX_PASSWORD_BYTES;
}

/** 1-32 lower-case letters, digits, "_" or "-", starting with a letter. */
export const ROLE = /^[a-z][a-z0-9_-]{0,31}$/;
/** The role that opens the admin API, the admin page and the operator's powers. */
export const ADMIN_ROLE = 'admin';

/** 1-32 letters, digits, "_" or "-"; device types are stored lower-cased. */
export const DEVICE_TYPE = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** The longest reason a ban may give, in characters (AdminService enforces it for every adapter). */
export const MAX_BAN_REASON = 500;
