/**
 * One embedded Redis per data folder. Before `npm start` runs redis-server in a folder it claims the
 * folder with a pid file, so a second start there refuses, naming the folder and the process that
 * holds it, instead of running a second redis-server on the same socket and append-only file.
 */
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { answersPing } from './redisProbe';

const LOCK_FILE = 'tessera.pid';

/** The data folder is held by another running Tessera, or a redis-server left behind still serves it. */
export class DataDirBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirBusyError';
  }
}

/** A claimed data folder; release() gives it up. */
export interface DataDirLock {
  release(): void;
}

/** Claims `dataDir` for this process, whose embedded Redis will listen on `socketPath` there. */
export async function lockDataDir(dataDir: string, socketPath: string): Promise<DataDirLock> {
  const lockFile = path.join(dataDir, LOCK_FILE);
  // Written whole under a private name, then linked into place: the link either creates the lock
  // with its pid already in it, or fails because the lock exists. No one reads a half-written pid.
  const draft = path.join(dataDir, `${LOCK_FILE}.${process.pid}`);
  writeFileSync(draft, `${process.pid}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(draft, lockFile);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
        const holder = pidIn(lockFile);
        if (holder !== null && isRunning(holder)) {
          throw new DataDirBusyError(
            `The data folder ${dataDir} is in use by another Tessera (PID ${holder}). Stop it first, or give this one a folder ` +
              `of its own with DATA_DIR (or a Redis of its own with REDIS_URL). If no Tessera runs as PID ${holder}, delete ${lockFile}.`,
          );
        }
        // Left by a process that is gone (killed with SIGKILL, or a crash of the machine).
        rmSync(lockFile, { force: true });
      }
    }
  } finally {
    rmSync(draft, { force: true });
  }
  const release = () => {
    if (pidIn(lockFile) === process.pid) rmSync(lockFile, { force: true });
  };
  if (await answersPing({ path: socketPath })) {
    release();
    throw new DataDirBusyError(
      `A redis-server left running by an earlier start still serves ${socketPath}; stop it (redis-cli -s ${socketPath} shutdown), then start again.`,
    );
  }
  return { release };
}

function pidIn(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
