/**
 * Every route of the JSON API, described once: its request schemas are the very ones the route
 * validates with, its answers are zod schemas of what it sends. A new route gets an entry here;
 * the OpenAPI test names any route the app serves without one.
 */
import { z } from 'zod';
import {
  banSchema,
  changePasswordSchema,
  clearThrottleSchema,
  introspectionSchema,
  loginSchema,
  pageQuerySchema,
  auditQuerySchema,
  reauthenticateSchema,
  refreshSchema,
  registerSchema,
  rolesSchema,
  sessionPageQuerySchema,
} from '../schemas';
import {
  accountSchema,
  auditEntrySchema,
  banEntrySchema,
  currentSessionSchema,
  deviceSessionInstructionsSchema,
  introspectionResponseSchema,
  impersonationResponseSchema,
  loginResponseSchema,
  oauthErrorSchema,
  problemSchema,
  readinessSchema,
  refreshResponseSchema,
  sessionPageSchema,
  sessionSchema,
  statusSchema,
  userOverviewSchema,
} from './responses';

export interface RouteDescription {
  summary: string;
  /** Who may call it: anyone, a live session (401 otherwise), or an admin session (401, 403). */
  access: 'public' | 'session' | 'admin';
  /** The JSON body the route validates; `form` when it takes a urlencoded form too. */
  body?: z.ZodType;
  form?: boolean;
  query?: z.ZodObject;
  /** Answers other than problem+json: status → schema of the JSON body, or null for none. */
  answers: Record<number, z.ZodType | null>;
  /** Takes an Idempotency-Key header: a retry replays the first answer (409 while it runs, 422 for another request). */
  idempotent?: boolean;
  /** Problem statuses of this route beyond those its access, body and Redis bring (401, 403, 400, 413, 415, 503). */
  problems?: number[];
  /** Request headers the route reads, beyond the credentials. */
  headers?: z.ZodObject;
  /** Served only with the cookie transport and DBSC (COOKIE_TRANSPORT=on, DBSC=on); a session route of them takes the session cookie. */
  cookieTransport?: true;
}

const dbscProof = z.string().meta({
  description: 'Secure-Session-Response: a dbsc+jwt (ES256 or RS256) whose jti is the challenge, signed by the browser’s key',
});

/** Keys are "METHOD /path", with :name for path parameters, as the Koa routers write them. */
export const API_ROUTES: Record<string, RouteDescription> = {
  'GET /healthz': { summary: 'The process runs', access: 'public', answers: { 200: statusSchema } },
  'GET /readyz': { summary: 'Redis answers, and cannot evict revocations', access: 'public', answers: { 200: readinessSchema } },
  'GET /openapi.json': { summary: 'This description', access: 'public', answers: { 200: z.looseObject({ openapi: z.string() }) } },
  'GET /': {
    summary: 'Where the docs and this description are (with COOKIE_TRANSPORT=on, a redirect to the pages instead)',
    access: 'public',
    answers: { 200: z.object({ service: z.literal('tessera'), docs: z.string(), openapi: z.literal('/openapi.json') }) },
  },

  'POST /auth/register': {
    summary: 'Create an account',
    access: 'public',
    idempotent: true,
    body: registerSchema,
    answers: { 201: z.object({ user: accountSchema }) },
    problems: [403, 409, 429],
  },
  // 400 also in the token endpoint's OAuth shape: invalid_dpop_proof, use_dpop_nonce (RFC 9449 §5, §8).
  'POST /auth/login': {
    summary: 'Log in: a new session and its bearer (or DPoP-bound) token',
    access: 'public',
    body: loginSchema,
    answers: { 200: loginResponseSchema, 400: z.union([oauthErrorSchema, problemSchema]) },
    problems: [401, 403, 429],
  },
  'POST /auth/refresh': {
    summary: 'Trade a refresh token for a new session',
    access: 'public',
    body: refreshSchema,
    answers: { 200: refreshResponseSchema, 400: z.union([oauthErrorSchema, problemSchema]) },
    problems: [401, 403, 429],
  },
  // W3C DBSC (device-binding.md#dbsc): the browser registers its key, then renews its short-lived cookie.
  'POST /auth/dbsc/start': {
    summary:
      'Bind the cookie session to the browser’s key, over the start challenge of its sign-in’s Secure-Session-Registration (never issued here); a remembered login’s refresh token is superseded',
    access: 'session',
    cookieTransport: true,
    headers: z.object({ 'Secure-Session-Response': dbscProof.optional() }),
    answers: { 200: deviceSessionInstructionsSchema },
    problems: [400, 409, 429],
  },
  'POST /auth/dbsc/refresh': {
    summary:
      'Renew a device-bound cookie: 403 with a fresh Secure-Session-Challenge until a proof by the session’s key over one comes; then a new cookie for one window',
    access: 'public',
    cookieTransport: true,
    headers: z.object({
      'Sec-Secure-Session-Id': z.string().meta({ description: 'The session_identifier, as a structured-field string' }),
      'Secure-Session-Response': dbscProof.optional(),
    }),
    answers: { 200: deviceSessionInstructionsSchema },
    problems: [400, 401, 403, 429],
  },
  'GET /auth/session': { summary: 'The caller’s session and user (slides it)', access: 'session', answers: { 200: currentSessionSchema } },
  'POST /auth/logout': { summary: 'End this session', access: 'session', answers: { 204: null } },
  'POST /auth/logout-all': { summary: 'End every session of the user', access: 'session', idempotent: true, answers: { 204: null }, problems: [403] },
  'GET /auth/sessions': { summary: 'The user’s live sessions', access: 'session', query: sessionPageQuerySchema, answers: { 200: sessionPageSchema } },
  'DELETE /auth/sessions/:id': { summary: 'End one of the user’s sessions', access: 'session', answers: { 204: null }, problems: [403, 404] },
  'POST /auth/reauthenticate': {
    summary: 'Prove the password again: the session’s sign-in time becomes now',
    access: 'session',
    idempotent: true,
    body: reauthenticateSchema,
    answers: { 204: null },
    problems: [403, 429],
  },
  'POST /auth/password': {
    summary: 'Change the password; every other session ends',
    access: 'session',
    idempotent: true,
    body: changePasswordSchema,
    answers: { 204: null },
    problems: [403, 429],
  },

  'GET /auth/verify': { summary: 'Gateway check: identity in X-Auth-* headers', access: 'session', answers: { 200: null } },
  'POST /auth/introspect': {
    summary: 'RFC 7662 token introspection',
    access: 'public',
    body: introspectionSchema,
    form: true,
    answers: { 200: introspectionResponseSchema, 400: z.union([oauthErrorSchema, problemSchema]), 401: oauthErrorSchema },
  },

  'GET /admin/users': {
    summary: 'Users by name prefix',
    access: 'admin',
    query: pageQuerySchema,
    answers: { 200: z.object({ users: z.array(accountSchema), nextCursor: z.string().nullable() }) },
  },
  'GET /admin/users/:id': { summary: 'One user', access: 'admin', answers: { 200: z.object({ user: userOverviewSchema }) }, problems: [404] },
  'GET /admin/users/:id/sessions': {
    summary: 'A user’s live sessions',
    access: 'admin',
    answers: { 200: z.object({ sessions: z.array(sessionSchema) }) },
    problems: [404],
  },
  'POST /admin/users/:id/revoke-sessions': {
    summary: 'End every session of a user',
    access: 'admin',
    idempotent: true,
    answers: { 200: z.object({ revoked: z.int() }) },
    problems: [404],
  },
  'POST /admin/users/:id/impersonate': {
    summary: 'Start a session as the user (impersonation): short-lived, never refreshed, audited',
    access: 'admin',
    answers: { 201: impersonationResponseSchema },
    problems: [404],
  },
  'PUT /admin/users/:id/roles': {
    summary: 'Set a user’s roles',
    access: 'admin',
    idempotent: true,
    body: rolesSchema,
    answers: { 200: z.object({ user: accountSchema }) },
    problems: [404, 409],
  },
  'DELETE /admin/sessions/:id': { summary: 'End any session by id', access: 'admin', idempotent: true, answers: { 204: null }, problems: [404] },
  'POST /admin/blacklist': {
    summary: 'Ban a user',
    access: 'admin',
    idempotent: true,
    body: banSchema,
    answers: { 201: z.object({ entry: banEntrySchema }) },
    problems: [404, 409],
  },
  'GET /admin/blacklist': {
    summary: 'Bans in force',
    access: 'admin',
    query: pageQuerySchema,
    answers: { 200: z.object({ entries: z.array(banEntrySchema), nextCursor: z.string().nullable() }) },
  },
  'DELETE /admin/blacklist/:userId': { summary: 'Lift a ban', access: 'admin', idempotent: true, answers: { 204: null }, problems: [404] },
  'POST /admin/throttles/clear': {
    summary: 'Clear login throttles of a username or address',
    access: 'admin',
    idempotent: true,
    body: clearThrottleSchema,
    answers: { 200: z.object({ cleared: z.unknown() }) },
  },
  'GET /admin/audit': {
    summary: 'Audit entries, newest first',
    access: 'admin',
    query: auditQuerySchema,
    answers: { 200: z.object({ entries: z.array(auditEntrySchema), nextCursor: z.string().nullable() }) },
  },
};
