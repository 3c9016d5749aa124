/**
 * The operator's commands: each names its arguments, checks them, and acts through the same
 * services as the HTTP API, recorded in the audit trail with the operator as the actor.
 */
import type { z } from 'zod';
import { parseDurationSeconds } from '../config/duration';
import { ADMIN_ROLE } from '../validation/rules';
import type { Actor } from '../audit/auditLog';
import { NotFoundError, ValidationError } from '../errors';
import { passwordSchema, usernameSchema } from '../validation/fieldSchemas';
import { fieldProblems } from '../validation/zodIssues';
import type { Core } from '../server/core';
import type { PublicUser } from '../accounts/accountService';
import { readPassword } from './readPassword';

export interface CommandInput {
  args: string[];
  options: { role?: string[]; reason?: string; until?: string; limit?: string; admin?: boolean; 'sign-in'?: boolean; username?: string; address?: string };
}

export interface Command {
  usage: string;
  summary: string;
  run(core: Core, actor: Actor, input: CommandInput): Promise<unknown>;
}

export class UsageError extends Error {}

async function userNamed(core: Core, username: string | undefined): Promise<PublicUser> {
  if (!username) throw new UsageError('name the user');
  const user = await core.accounts.findByUsername(username);
  if (!user) throw new NotFoundError(`No user is named ${username}.`);
  return user;
}

function check<S extends z.ZodType>(schema: S, field: string, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(fieldProblems(result.error.issues, [field]));
  return result.data;
}

async function changeRole(
  core: Core,
  actor: Actor,
  name: string | undefined,
  role: string | undefined,
  change: (roles: string[], role: string) => string[],
): Promise<PublicUser> {
  const user = await userNamed(core, name);
  if (!role) throw new UsageError('name the role');
  // An operator at a shell holds Redis itself: every role is theirs to grant.
  return core.admin.setRoles(actor, user.id, change(user.roles, role), { byOperator: true });
}

/** `--limit` as a whole number from 1 to 1000. */
function limitOf(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const limit = Number(text);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be a whole number from 1 to 1000');
  return limit;
}

/** `--until` as an ISO time or a duration from now (2h, 7d). */
function parseUntil(text: string | undefined): Date | null {
  if (!text) return null;
  const seconds = parseDurationSeconds(text);
  const until = seconds === null ? new Date(text) : new Date(Date.now() + seconds * 1000);
  if (Number.isNaN(until.getTime()) || until.getTime() <= Date.now()) {
    throw new ValidationError([{ field: 'until', message: 'must be a future ISO-8601 time or a duration like 2h or 7d' }]);
  }
  return until;
}

export const COMMANDS: Record<string, Command> = {
  'user:create': {
    usage: 'user:create <username> [--admin] [--role <role>]...',
    summary: 'create a user (password from TESSERA_PASSWORD, standard input, or typed)',
    async run(core, actor, { args: [name], options }) {
      const username = check(usernameSchema, 'username', name);
      const password = check(passwordSchema, 'password', await readPassword(`Password for ${username}: `));
      const roles = [...(options.role ?? []), ...(options.admin ? [ADMIN_ROLE] : [])];
      const user = await core.accounts.createAccount(username, password, roles);
      await core.audit.record({ type: 'user.created', actor, target: user.id, outcome: 'success', detail: roles.join(',') || undefined });
      return user;
    },
  },
  'user:show': {
    usage: 'user:show <username>',
    summary: 'show a user with roles, ban and session count',
    async run(core, _actor, { args: [name] }) {
      return core.admin.getUser((await userNamed(core, name)).id);
    },
  },
  'roles:grant': {
    usage: 'roles:grant <username> <role>',
    summary: 'add a role; live sessions see it on their next request',
    run: (core, actor, { args: [name, role] }) => changeRole(core, actor, name, role, (roles, r) => [...roles, r]),
  },
  'roles:revoke': {
    usage: 'roles:revoke <username> <role>',
    summary: 'remove a role (never the last admin’s)',
    run: (core, actor, { args: [name, role] }) => changeRole(core, actor, name, role, (roles, r) => roles.filter((x) => x !== r)),
  },
  'sessions:list': {
    usage: 'sessions:list <username>',
    summary: 'list a user’s live sessions',
    async run(core, _actor, { args: [name] }) {
      return (await core.admin.listSessions((await userNamed(core, name)).id)).sessions;
    },
  },
  'sessions:revoke': {
    usage: 'sessions:revoke <session-id>',
    summary: 'end one session, whoever owns it',
    async run(core, actor, { args: [sessionId] }) {
      if (!sessionId) throw new UsageError('name the session id');
      await core.admin.revokeSession(actor, sessionId);
      return { revoked: sessionId };
    },
  },
  'sessions:revoke-all': {
    usage: 'sessions:revoke-all <username>',
    summary: 'end every session of a user',
    async run(core, actor, { args: [name] }) {
      return { revoked: await core.admin.revokeSessions(actor, (await userNamed(core, name)).id) };
    },
  },
  ban: {
    usage: 'ban <username> --reason <text> [--until <ISO time | 2h | 7d>]',
    summary: 'end every session of a user and refuse their logins',
    async run(core, actor, { args: [name], options }) {
      const user = await userNamed(core, name);
      if (!options.reason) throw new UsageError('give a --reason');
      return core.admin.ban(actor, user.id, options.reason, parseUntil(options.until));
    },
  },
  unban: {
    usage: 'unban <username>',
    summary: 'lift a ban',
    async run(core, actor, { args: [name] }) {
      const user = await userNamed(core, name);
      await core.admin.unban(actor, user.id);
      return { unbanned: user.username };
    },
  },
  bans: {
    usage: 'bans [--limit <n>]',
    summary: 'list the bans in force',
    async run(core, _actor, { options }) {
      return (await core.admin.listBans(limitOf(options.limit, 100), 0)).bans;
    },
  },
  'throttles:clear': {
    usage: 'throttles:clear [--username <name>] [--address <ip>]',
    summary: 'lift a login lockout (both: that pair; a name: its lock over all addresses; an address: its limits)',
    async run(core, actor, { options }) {
      if (options.username === undefined && options.address === undefined) throw new UsageError('give --username, --address or both');
      return { cleared: await core.admin.clearThrottle(actor, { username: options.username, address: options.address }) };
    },
  },
  audit: {
    usage: 'audit [--limit <n>] [--sign-in]',
    summary: 'show the latest audit entries, newest first (--sign-in: logins, logouts, registrations, failed checks)',
    async run(core, _actor, { options }) {
      return (await core.audit.page(limitOf(options.limit, 20), undefined, options['sign-in'] ? 'sign-in' : 'trail')).entries;
    },
  },
};
