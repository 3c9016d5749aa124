/**
 * ADMIN_USERNAME and ADMIN_PASSWORD create the first admin at start when no user has that name.
 * An existing user is never overwritten: its password and roles stay as they are.
 */
import type { Logger } from 'pino';
import type { AccountService } from '../accounts/accountService';
import { UsernameTakenError } from '../errors';
import type { AuditLog } from '../audit/auditLog';
import { ADMIN_ROLE } from '../validation/rules';

const SYSTEM_ACTOR = { id: 'system', name: 'tessera' } as const;

export async function bootstrapAdmin(accounts: AccountService, audit: AuditLog, username: string, password: string, logger: Logger): Promise<void> {
  if (await accounts.findByUsername(username)) return;
  try {
    const user = await accounts.createAccount(username, password, [ADMIN_ROLE]);
    await audit.record({ type: 'user.created', actor: SYSTEM_ACTOR, target: user.id, outcome: 'success', detail: 'bootstrap admin' });
    logger.info({ username }, 'created the bootstrap admin');
  } catch (error) {
    // Another instance starting at the same moment created it first.
    if (!(error instanceof UsernameTakenError)) throw error;
  }
}
