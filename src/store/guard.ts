import { ReplyError } from 'ioredis';
import { StoreUnavailableError, TesseraError } from '../errors';

/**
 * Redis error replies that mean "not now" rather than "wrong": a full, loading, failing-over or
 * split server, a slot that moved under a pipelined write (which ioredis does not redirect), or a
 * server whose ACL refuses the command, directly or inside a script (an operator's fix, not Tessera's bug).
 */
const TRANSIENT_REPLY =
  /^(OOM|LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|MISCONF|MOVED|ASK|NOPERM|NOAUTH)\b|^ERR The user executing the script can't run this command/;

/**
 * Runs one Redis operation and turns an infrastructure fault (connection refused or lost,
 * timeout, fail-over, a full Redis under noeviction) into a StoreUnavailableError: the caller
 * answers 503, never a wrong 200. Any other error reply (a script error, WRONGTYPE) is a bug and
 * propagates as itself.
 */
export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof TesseraError) throw error;
    if (error instanceof ReplyError && !isTransient(error as Error)) throw error;
    throw new StoreUnavailableError(error);
  }
}

/** A MULTI that Redis discarded (EXECABORT) is as transient as the refusals of its queued commands: a full Redis refuses them all. */
function isTransient(error: Error): boolean {
  const { message, previousErrors } = error as Error & { previousErrors?: Error[] };
  if (message.startsWith('EXECABORT') && previousErrors?.length) return previousErrors.every((e) => TRANSIENT_REPLY.test(e.message));
  return TRANSIENT_REPLY.test(message);
}
