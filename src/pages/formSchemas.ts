/** What each page form accepts; the messages appear next to the fields. */
import { z } from 'zod';
import type { ValidationError } from '../errors';
import { passwordSchema, usernameSchema } from '../validation/fieldSchemas';
import { MAX_BAN_REASON, MAX_PASSWORD_BYTES, MAX_USERNAME_LENGTH, withinPasswordBytes } from '../validation/rules';
import { fieldProblems } from '../validation/zodIssues';

const presentedPassword = z
  .string({ error: 'Enter your password.' })
  .min(1, 'Enter your password.')
  .refine(withinPasswordBytes, `Passwords are at most ${MAX_PASSWORD_BYTES} bytes.`);

export const loginFormSchema = z.object({
  username: z
    .string({ error: 'Enter your username.' })
    .trim()
    .min(1, 'Enter your username.')
    .max(MAX_USERNAME_LENGTH, `Usernames are at most ${MAX_USERNAME_LENGTH} characters.`),
  password: presentedPassword,
  /** The "Keep me signed in" checkbox: sent as "on" when ticked, absent otherwise. */
  remember: z
    .literal('on', { error: 'Tick the box or leave it empty.' })
    .optional()
    .transform((value) => value === 'on'),
});

export const registerFormSchema = z.object({
  username: z.string({ error: 'Choose a username.' }).trim().pipe(usernameSchema),
  password: passwordSchema,
});

export const passwordFormSchema = z
  .object({
    currentPassword: z.string({ error: 'Enter your current password.' }).min(1, 'Enter your current password.'),
    newPassword: passwordSchema,
    newPasswordAgain: z.string({ error: 'Enter the new password again.' }),
  })
  .refine((form) => form.newPassword === form.newPasswordAgain, { message: 'The two new passwords differ.', path: ['newPasswordAgain'] });

/** `<input type="datetime-local">` sends `2030-01-31T12:00` without a zone; the form says it is UTC. */
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

export const banFormSchema = z.object({
  userId: z.string({ error: 'Pick a user.' }).min(1, 'Pick a user.').max(128),
  reason: z.string({ error: 'Give a reason.' }).trim().min(1, 'Give a reason.').max(MAX_BAN_REASON, `Keep the reason under ${MAX_BAN_REASON} characters.`),
  until: z
    .string()
    .default('')
    .transform((text, ctx) => {
      if (text === '') return null;
      const date = LOCAL_DATE_TIME.test(text) ? new Date(`${text}Z`) : new Date(NaN);
      if (Number.isNaN(date.getTime())) {
        ctx.addIssue({ code: 'custom', message: 'Use a date and time such as 2030-01-31T12:00.' });
        return z.NEVER;
      }
      if (date.getTime() <= Date.now()) {
        ctx.addIssue({ code: 'custom', message: 'The end must be in the future.' });
        return z.NEVER;
      }
      return date;
    }),
});

export const userIdFormSchema = z.object({ userId: z.string().min(1).max(128) });
export const adminSessionFormSchema = z.object({ userId: z.string().min(1).max(128), sessionId: z.string().min(1).max(64) });

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

/** A form's values, or the first message for each bad field. */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): { data: z.infer<S> } | { errors: Record<string, string> } {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { data: result.data };
  const errors: Record<string, string> = {};
  for (const problem of fieldProblems(result.error.issues)) errors[problem.field] ??= problem.message;
  return { errors };
}

/** The page's words for a new password the account service refused (common, or built from the username). */
export function weakPasswordMessage(error: ValidationError): string {
  return `This password ${error.fields[0]?.message ?? 'cannot be used'}. Choose another.`;
}
