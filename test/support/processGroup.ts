import type { ChildProcess } from 'node:child_process';

/**
 * Ends a child spawned with `detached: true` together with everything it started (tsx's node, cluster
 * workers, the embedded redis-server), so a test that fails midway leaves no process behind.
 */
export function killProcessGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
