/** Request body and query schemas of the JSON API, built from the field schemas every layer shares. */
import { z } from 'zod';
import { deviceTypeSchema, passwordSchema, presentedPasswordSchema, presentedUsernameSchema, roleSchema, usernameSchema } from '../validation/fieldSchemas';
import { MAX_BAN_REASON } from '../validation/rules';

export const registerSchema = z.strictObject({ username: usernameSchema, password: passwordSchema });

export const loginSchema = z.strictObject({
  username: presentedUsernameSchema,
  password: presentedPasswordSchema,
  device: z
    .strictObject({
      type: deviceTypeSchema.optional(),
      name: z.string().max(64, 'must be at most 64 characters').optional(),
    })
    .optional(),
  /** Keep me signed in: also answer a refresh token. */
  remember: z.boolean({ error: 'must be true or false' }).optional(),
  /** The deviceToken an earlier login of this user answered: this client's own failure budget, past the username's lock. */
  deviceToken: z.string({ error: 'must be a string' }).max(256, 'must be at most 256 characters').optional(),
});

/** The token may instead come in the refresh cookie, when the cookie transport is on. */
export const refreshSchema = z.strictObject({
  refreshToken: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(128, 'must be at most 128 characters').optional(),
});

export const changePasswordSchema = z.strictObject({
  currentPassword: presentedPasswordSchema,
  newPassword: passwordSchema,
});

export const reauthenticateSchema = z.strictObject({
  password: presentedPasswordSchema,
});

export const rolesSchema = z.strictObject({
  roles: z.array(roleSchema, { error: 'must be a list of roles' }).max(32, 'must list at most 32 roles'),
});

export const banSchema = z.strictObject({
  userId: z.string({ error: 'is required' }).min(1, 'is required').max(128, 'must be at most 128 characters'),
  reason: z.string({ error: 'is required' }).trim().min(1, 'is required').max(MAX_BAN_REASON, `must be at most ${MAX_BAN_REASON} characters`),
  until: z.iso
    .datetime({ offset: true, error: 'must be an ISO-8601 date-time such as 2030-01-31T12:00:00Z' })
    .transform((text) => new Date(text))
    .refine((date) => date.getTime() > Date.now(), 'must be in the future')
    .optional(),
});

/** The page size of a paged list's query: 1 to 100, `byDefault` when absent. */
function pageLimitSchema(byDefault: number) {
  return z
    .string()
    .regex(/^\d+$/, 'must be a whole number from 1 to 100')
    .transform(Number)
    .pipe(z.number().min(1, 'must be at least 1').max(100, 'must be at most 100'))
    .default(byDefault);
}

/** Query of a paged list: an opaque cursor and a page size. */
export const pageQuerySchema = z.object({
  cursor: z.string().max(512, 'must be at most 512 characters').optional(),
  limit: pageLimitSchema(50),
  query: z.string().max(32, 'must be at most 32 characters').default(''),
});

/** Query of GET /admin/audit: a page of one of the two audit streams. */
export const auditQuerySchema = pageQuerySchema.extend({
  stream: z.enum(['trail', 'sign-in'], { error: 'must be trail or sign-in' }).default('trail'),
});

/** Query of a page of sessions: by default the first 100, which is every session under the default cap. */
export const sessionPageQuerySchema = z.object({
  cursor: z.string().max(64, 'must be at most 64 characters').optional(),
  limit: pageLimitSchema(100),
});

/** Which throttle an admin clears: a username, an address, or both (that pair's lockout). */
export const clearThrottleSchema = z
  .strictObject({
    username: z.string().min(1, 'must not be empty').max(32, 'must be at most 32 characters').optional(),
    address: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters').optional(),
  })
  .refine((body) => body.username !== undefined || body.address !== undefined, { message: 'name a username, an address or both', path: ['username'] });

/** POST /auth/introspect (RFC 7662), as a form or JSON. */
export const introspectionSchema = z.object({
  token: z.string({ error: 'is required' }).min(1, 'is required').max(512, 'must be at most 512 characters'),
  token_type_hint: z.string().max(64).optional(),
  // client_secret_post (RFC 6749 §2.3.1), checked by introspectionClient().
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});
