/**
 * Which cores each process of the bench may run on. The server under test gets a core to itself
 * and Redis shares the other cores with the load generator, so every server is measured with the
 * same CPU budget however the OS would have scheduled it. Pinning uses taskset (Linux); where it
 * is missing, or on a single core, processes run unpinned and the report says so.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface CpuLayout {
  /** Whether processes are pinned at all. */
  pinned: boolean;
  /** taskset CPU list of the server under test, e.g. "0". */
  server: string;
  /** taskset CPU list of Redis and the load generators, e.g. "1". */
  load: string;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function cpuLayout(): CpuLayout {
  const cores = availableParallelism();
  if (cores < 2 || process.platform !== 'linux' || !hasTaskset()) return { pinned: false, server: '', load: '' };
  return { pinned: true, server: '0', load: cores === 2 ? '1' : `1-${cores - 1}` };
}

/**
 * The command line that runs `command` on `cpus` (a taskset list), or as is when unpinned. taskset
 * execs the command, so the spawned pid is the command's own, and its threads and children inherit
 * the affinity (bcrypt workers sized by availableParallelism() see it too).
 */
export function onCpus(cpus: string, command: string, args: string[]): [string, string[]] {
  return cpus ? ['taskset', ['-c', cpus, command, ...args]] : [command, args];
}

/** Moves a running process and all its threads onto `cpus` (for processes another module spawns). */
export function pinProcess(pid: number, cpus: string): void {
  if (cpus) execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}
