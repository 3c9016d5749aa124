/**
 * Everything the bench starts registers how to stop it here; the steps run once, newest first,
 * when the run ends, fails, or is interrupted (Ctrl-C, SIGTERM), so no redis-server, app process
 * or load generator outlives the bench.
 */
import type { ChildProcess } from 'node:child_process';

type Step = () => Promise<void> | void;

const steps: Step[] = [];
let running: Promise<void> | null = null;

/** Registers a stop step; the returned function runs it early and removes it from the list. */
export function onTeardown(step: Step): () => Promise<void> {
  steps.push(step);
  return async () => {
    const at = steps.indexOf(step);
    if (at === -1) return;
    steps.splice(at, 1);
    await step();
  };
}

/** Runs every registered step (newest first); one failing step does not keep the others from running. */
export function teardown(): Promise<void> {
  running ??= (async () => {
    while (steps.length > 0) {
      const step = steps.pop()!;
      try {
        await step();
      } catch (error) {
        process.stderr.write(`teardown: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  })();
  return running;
}

/**
 * Registers the stop of a child process: SIGTERM (it finishes what it serves and exits), SIGKILL
 * if it has not exited after `graceMs`. Resolves `exited` when it exits, asked or not.
 */
export function stopChildOnTeardown(child: ChildProcess, graceMs: number): { stop: () => Promise<void>; exited: Promise<void> } {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = onTeardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  });
  return { stop, exited };
}

/**
 * Stops everything on SIGINT/SIGTERM (exiting with the conventional 128 + signal number) and on
 * an error nothing caught (exiting 1). App servers would notice the bench's end by themselves
 * (their IPC channel closes), but redis-server and the load generators would not.
 */
export function teardownOnExit(): void {
  const codes: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };
  for (const [signal, code] of Object.entries(codes) as [NodeJS.Signals, number][]) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping everything the bench started\n`);
      void teardown().finally(() => process.exit(code));
    });
  }
  const fail = (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    void teardown().finally(() => process.exit(1));
  };
  process.once('uncaughtException', fail);
  process.once('unhandledRejection', fail);
}
