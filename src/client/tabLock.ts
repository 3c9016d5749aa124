/**
 * Runs a refresh under a lock every tab of the origin shares (Web Locks API), so of several tabs
 * whose session lapsed together only one rotates the refresh token; the others, let in after it,
 * find the new pair in the shared storage. Where there are no Web Locks (Node, old browsers) the
 * SDK's own single flight is the only coordination, which within one process is enough.
 */
interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export function withTabLock<T>(name: string, work: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return locks ? locks.request(name, work) : work();
}
