/** Request body schemas of the JSON API: one place for every field's rules. */
import { z } from 'zod';
import { MAX_PASSWORD_BYTES } from '../passwords/passwordHasher';

export const usernameSchema = z
  .string({ error: 'is required' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$/, 'must be 3-32 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const passwordSchema = z
  .string({ error: 'is required' })
  .min(8, 'must be at least 8 characters')
  .refine((value) => Buffer.byteLength(value, 'utf8') <= MAX_PASSWORD_BYTES, {
    message: `must be at most ${MAX_PASSWORD_BYTES} bytes in UTF-8 (bcrypt ignores anything longer)`,
  });

/** A password to check: no minimum, so an old short password can still be verified, but the same cap. */
const presentedPasswordSchema = z
  .string({ error: 'is required' })
  .min(1, 'is required')
  .refine((value) => Buffer.byteLength(value, 'utf8') <= MAX_PASSWORD_BYTES, {
    message: `must be at most ${MAX_PASSWORD_BYTES} bytes in UTF-8`,
  });

export const registerSchema = z.strictObject({ username: usernameSchema, password: passwordSchema });

export const loginSchema = z.strictObject({
  username: z.string({ error: 'is required' }).min(1, 'is required').max(32, 'must be at most 32 characters'),
  password: presentedPasswordSchema,
  device: z
    .strictObject({
      type: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be 1-32 letters, digits, "_" or "-"')
        .optional(),
      name: z.string().max(64, 'must be at most 64 characters').optional(),
    })
    .optional(),
});

export const changePasswordSchema = z.strictObject({
  currentPassword: presentedPasswordSchema,
  newPassword: passwordSchema,
});
