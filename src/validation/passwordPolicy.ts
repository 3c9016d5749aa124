/**
 * Which new passwords are refused beyond their length, after NIST SP 800-63B §5.1.1.2: those on
 * a list of commonly used and breached passwords, and those built from the context, here the
 * username and the service's name. The list is the 49,000 passwords of @zxcvbn-ts/language-common,
 * checked offline, case-insensitively.
 */
import { dictionary } from '@zxcvbn-ts/language-common';

const COMMON_PASSWORDS: ReadonlySet<string> = new Set(dictionary['passwords-common'].map((password) => password.toLowerCase()));

/** Words a password must not contain, whoever chooses it. */
const SERVICE_WORDS = ['tessera'];

/** Why `password` may not be the new password of `username`, or null when it may. */
export function passwordProblem(password: string, username: string): string | null {
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return 'is too common: it is on a list of breached passwords';
  if (lower.includes(username.toLowerCase())) return 'must not contain the username';
  if (SERVICE_WORDS.some((word) => lower.includes(word))) return 'must not contain the name of this service';
  return null;
}
