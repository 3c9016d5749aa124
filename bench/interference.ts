/**
 * How much CPU other work on the machine used during a measured run, in cores: the CPU time
 * (utime + stime) of every process that is neither the bench nor one of its descendants
 * (servers, Redis, load generators) nor a kernel thread, read from /proc before and after the
 * run. Kernel threads are left out because they mostly do the bench's own loopback networking
 * (ksoftirqd). A process that ends inside the window is missed, and reaped children's time
 * (cutime) is not used because it arrives all at once for a child's whole life, so the figure
 * can only understate other work, never invent it. Linux only; elsewhere every figure is 0.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';

/** /proc counts CPU in clock ticks of 1/100 s on Linux. */
const TICKS_PER_SECOND = 100;
const KTHREADD = 2;
const LINUX = existsSync('/proc/self/stat');

interface ProcessCpu {
  parent: number;
  /** utime + stime, in ticks. */
  ticks: number;
}

export interface CpuSample {
  atSeconds: number;
  processes: Map<number, ProcessCpu>;
}

export function sampleCpu(): CpuSample {
  const processes = new Map<number, ProcessCpu>();
  if (LINUX) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // it exited meanwhile
      }
      // Fields after "pid (comm) ": state, ppid, ... utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      processes.set(Number(entry), { parent: Number(fields[1]), ticks });
    }
  }
  return { atSeconds: performance.now() / 1000, processes };
}

/** CPU time (user + system) one process has used so far, in seconds; NaN off Linux or once it has exited. */
export function processCpuSeconds(pid: number): number {
  if (!LINUX) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Cores' worth of CPU that processes outside the bench used between two samples. */
export function foreignCores(before: CpuSample, after: CpuSample): number {
  const bench = descendants(after.processes, process.pid);
  let ticks = 0;
  for (const [pid, cpu] of after.processes) {
    if (bench.has(pid) || pid === KTHREADD || cpu.parent === KTHREADD) continue;
    ticks += cpu.ticks - (before.processes.get(pid)?.ticks ?? 0);
  }
  return Math.max(0, ticks / TICKS_PER_SECOND / (after.atSeconds - before.atSeconds));
}

function descendants(processes: Map<number, ProcessCpu>, root: number): Set<number> {
  const children = new Map<number, number[]>();
  for (const [pid, { parent }] of processes) children.set(parent, [...(children.get(parent) ?? []), pid]);
  const found = new Set<number>([root]);
  const pending = [root];
  while (pending.length > 0) {
    for (const child of children.get(pending.pop()!) ?? []) {
      found.add(child);
      pending.push(child);
    }
  }
  return found;
}
