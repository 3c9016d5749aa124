/** The rules of rules.ts as zod schemas, with the JSON API's wording, for every layer that reads input. */
import { z } from 'zod';
import { DEVICE_TYPE, MAX_PASSWORD_BYTES, MAX_USERNAME_LENGTH, MIN_PASSWORD_LENGTH, ROLE, USERNAME, withinPasswordBytes } from './rules';

export const usernameSchema = z
  .string({ error: 'is required' })
  .regex(USERNAME, 'must be 3-32 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** A username to look up: any text up to the longest a username can be. */
export const presentedUsernameSchema = z
  .string({ error: 'is required' })
  .min(1, 'is required')
  .max(MAX_USERNAME_LENGTH, `must be at most ${MAX_USERNAME_LENGTH} characters`);

/** A new password. */
export const passwordSchema = z
  .string({ error: 'is required' })
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .refine(withinPasswordBytes, { message: `must be at most ${MAX_PASSWORD_BYTES} bytes in UTF-8 (bcrypt ignores anything longer)` });

/** A password to check: no minimum, so an old short password can still be verified, but the same cap. */
export const presentedPasswordSchema = z
  .string({ error: 'is required' })
  .min(1, 'is required')
  .refine(withinPasswordBytes, { message: `must be at most ${MAX_PASSWORD_BYTES} bytes in UTF-8` });

export const roleSchema = z.string().regex(ROLE, 'must be 1-32 lower-case letters, digits, "_" or "-", starting with a letter');

/** Any case in, lower case out. */
export const deviceTypeSchema = z
  .string()
  .transform((type) => type.toLowerCase())
  .pipe(z.string().regex(DEVICE_TYPE, 'must be 1-32 letters, digits, "_" or "-"'));
