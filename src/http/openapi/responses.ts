/** What the JSON API answers, as zod schemas of the JSON on the wire (times are ISO-8601 strings). */
import { z } from 'zod';

const time = z.iso.datetime();

export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    instance: z.string(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; `type` is stable. Some types add members (errors, until).' });

export const sessionSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    createdAt: time,
    lastSeenAt: time,
    expiresAt: time,
    absoluteExpiresAt: time,
    device: z.object({ type: z.string().nullable(), name: z.string().nullable() }),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    /** The RFC 7638 thumbprint of the DPoP key the session is bound to; null for a bearer session. */
    boundKey: z.string().nullable(),
    deviceBoundUntil: time
      .nullable()
      .meta({ description: 'A session bound to a browser key (DBSC): when the window its cookie is accepted in ends; null when unbound' }),
    actor: z
      .object({ id: z.string(), username: z.string().nullable() })
      .nullable()
      .meta({ description: 'An impersonation session: the admin acting as the user (RFC 8693 act); null for the user’s own' }),
    authenticatedAt: time
      .nullable()
      .meta({ description: 'When the password was last proven on the session (login or POST /auth/reauthenticate); sliding never moves it' }),
  })
  .meta({ id: 'Session' });

export const accountSchema = z.object({ id: z.string(), username: z.string(), roles: z.array(z.string()), createdAt: time }).meta({ id: 'Account' });

const sessionUserSchema = z.object({ id: z.string(), username: z.string().nullable(), roles: z.array(z.string()) });

const issuedSession = {
  /** DPoP when the login carried a proof: the token is bound to its key and sent as `Authorization: DPoP`. */
  tokenType: z.enum(['Bearer', 'DPoP']),
  expiresAt: time,
  absoluteExpiresAt: time,
  refreshExpiresAt: time.optional(),
  session: sessionSchema,
};

export const loginResponseSchema = z.object({
  token: z.string(),
  refreshToken: z.string().optional(),
  ...issuedSession,
  user: accountSchema,
  deviceToken: z.string().meta({
    description:
      "This client's device credential for the user: send it as deviceToken with the user's next logins. They then count against this device's own budget and are not refused by a lock an attack put on the username.",
  }),
  deviceTokenExpiresAt: time,
});

/** An impersonation session, as POST /admin/users/:id/impersonate starts it: never remembered. */
export const impersonationResponseSchema = z.object({
  token: z.string(),
  ...issuedSession,
  user: accountSchema,
});

/** With the refresh cookie the tokens stay in cookies, so the body carries neither. */
export const refreshResponseSchema = z.object({
  token: z.string().optional(),
  refreshToken: z.string().optional(),
  ...issuedSession,
  user: accountSchema,
});

export const currentSessionSchema = z.object({ session: sessionSchema, user: sessionUserSchema });

export const sessionPageSchema = z.object({
  sessions: z.array(sessionSchema.extend({ current: z.boolean() })),
  total: z.int(),
  nextCursor: z.string().nullable(),
});

export const userOverviewSchema = accountSchema
  .extend({ ban: z.object({ until: time.nullable() }).nullable(), sessionCount: z.int() })
  .meta({ id: 'UserOverview' });

export const banEntrySchema = z
  .object({
    userId: z.string(),
    username: z.string().nullable(),
    reason: z.string(),
    by: z.object({ id: z.string(), name: z.string().nullable() }),
    since: time,
    until: time.nullable(),
  })
  .meta({ id: 'BanEntry' });

export const auditEntrySchema = z
  .looseObject({
    id: z.string(),
    time,
    type: z.string(),
    actor: z.object({ id: z.string().nullable(), name: z.string().nullable() }),
    // Entries of an impersonation: the user acted as, while actor is the admin.
    impersonated: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
    ip: z.string().nullable(),
    outcome: z.enum(['success', 'failure', 'denied']),
  })
  .meta({ id: 'AuditEntry' });

export const introspectionResponseSchema = z.union([
  z.object({ active: z.literal(false) }),
  z.object({
    active: z.literal(true),
    token_type: z.enum(['Bearer', 'DPoP']),
    /** RFC 9449 §6.2: the thumbprint of the key a DPoP-bound session is bound to. */
    cnf: z.object({ jkt: z.string() }).optional(),
    sub: z.string(),
    username: z.string().nullable(),
    scope: z.string().optional(),
    roles: z.array(z.string()),
    iat: z.int(),
    exp: z.int(),
    absolute_exp: z.int(),
    sid: z.string(),
    act: z.object({ sub: z.string() }).optional(),
  }),
]);

export const statusSchema = z.object({ status: z.string() });

/** /readyz: ready, perhaps with warnings of risks the operator accepted (an evicting Redis). */
export const readinessSchema = z.object({ status: z.string(), warnings: z.array(z.string()).optional() });

/** RFC 6749 §5.2 error of the introspection endpoint (its clients are OAuth clients, not problem+json readers). */
export const oauthErrorSchema = z.looseObject({ error: z.string(), error_description: z.string().optional() });

/** The JSON session instructions of the W3C DBSC draft, which the start and refresh endpoints answer. */
export const deviceSessionInstructionsSchema = z
  .object({
    session_identifier: z.string(),
    refresh_url: z.string(),
    scope: z.object({ include_site: z.boolean(), scope_specification: z.array(z.unknown()) }),
    credentials: z.array(z.object({ type: z.literal('cookie'), name: z.string(), attributes: z.string() })),
  })
  .meta({ id: 'DeviceSessionInstructions', description: 'W3C DBSC session instructions: the session, where to refresh it, and the cookie it guards' });
