import { StoreUnavailableError, TesseraError } from '../errors';

/**
 * Runs one Redis operation and turns any infrastructure fault (connection refused, timeout,
 * CLUSTERDOWN, failover, OOM under noeviction) into a StoreUnavailableError: the caller answers
 * 503 and never a 500 or a wrong 200.
 */
export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof TesseraError) throw error;
    throw new StoreUnavailableError(error);
  }
}
