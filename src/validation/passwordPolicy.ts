/**
 * Which new passwords are refused beyond their length, after NIST SP 800-63B §5.1.1.2: those with
 * a control character (unprintable, and often mangled between a form and a keyboard); those on a
 * list of commonly used and breached passwords; those built from the context, here the username
 * and the service's name; and those zxcvbn finds easy to guess (scored on the worker pool, see
 * passwords/passwordHasher.ts). The list is the passwords of @zxcvbn-ts/language-common, checked
 * offline, case-insensitively.
 */
import { dictionary } from '@zxcvbn-ts/language-common';

const COMMON_PASSWORDS: ReadonlySet<string> = new Set(dictionary['passwords-common'].map((password) => password.toLowerCase()));

/** Words a password must not contain, whoever chooses it. */
const SERVICE_WORDS = ['tessera'];

/** C0 controls (NUL, tab, newline, ...), DEL and the C1 controls. */
const CONTROL_CHARACTER = /\p{Cc}/u;

/** zxcvbn's scale: 0 (too guessable) to 4 (very unguessable). */
export const MAX_PASSWORD_SCORE = 4;
/** The least zxcvbn score of a new password, by default: "safely unguessable" (about 10^8 guesses or more). */
export const DEFAULT_PASSWORD_MIN_SCORE = 3;

/**
 * zxcvbn's time grows faster than the length of what it scores (its most costly inputs take about
 * a fifth of a cost-12 bcrypt hash at 72 characters, a tenth at 40): only this many are scored, so
 * scoring costs a fraction of the hash that follows it. A password whose first 40 characters are
 * strong is strong; one whose start is weak is refused.
 */
export const MAX_SCORED_CHARACTERS = 40;

/** Why `password` may not be the new password of `username`, or null when it may (before its score). */
export function passwordProblem(password: string, username: string): string | null {
  if (CONTROL_CHARACTER.test(password)) return 'must not contain control characters (such as NUL, tab or newline)';
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return 'is too common: it is on a list of breached passwords';
  if (lower.includes(username.toLowerCase())) return 'must not contain the username';
  if (SERVICE_WORDS.some((word) => lower.includes(word))) return 'must not contain the name of this service';
  return null;
}

/** What of `password` is scored: its first MAX_SCORED_CHARACTERS characters (code points, never half of one). */
export function scoredPart(password: string): string {
  return Array.from(password).slice(0, MAX_SCORED_CHARACTERS).join('');
}

/** The refusal of a password that scored `score`, below `minScore`; null when it is enough. */
export function scoreProblem(score: number, minScore: number): string | null {
  if (score >= minScore) return null;
  return `is too easy to guess (strength ${score} of ${MAX_PASSWORD_SCORE}; at least ${minScore} is needed): use a longer phrase of unrelated words`;
}

/** Words the scorer treats as guessable for this password: the username and the service's name. */
export function passwordContext(username: string): string[] {
  return [username, ...SERVICE_WORDS];
}
