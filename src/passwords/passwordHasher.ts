/**
 * bcrypt hashing on a small pool of worker threads sized to the cores (piscina), so a login storm
 * does not stall authenticated traffic on the event loop.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { getRounds } from 'bcryptjs';
import { Piscina } from 'piscina';

/** Told how long each hash or check waited for a worker (for metrics); must not throw. */
export interface PasswordQueueObserver {
  passwordTaskWaited?(seconds: number): void;
}

type Task = { op: 'hash'; password: string; cost: number } | { op: 'verify'; password: string; hash: string };

export class PasswordHasher {
  private readonly pool: Piscina;
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly cost: number,
    private readonly observer: PasswordQueueObserver = {},
  ) {
    this.pool = new Piscina({
      filename: path.join(__dirname, 'bcryptWorker.js'),
      maxThreads: Math.max(1, availableParallelism()),
      idleTimeout: 60_000,
    });
  }

  /** Whether a stored hash was made at another cost than today's (it is replaced at the next login). */
  needsRehash(hash: string): boolean {
    return getRounds(hash) !== this.cost;
  }

  /** Hashes and checks waiting for a free worker. */
  get queueSize(): number {
    return this.pool.queueSize;
  }

  hash(password: string): Promise<string> {
    return this.run<string>({ op: 'hash', password, cost: this.cost });
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.run<boolean>({ op: 'verify', password, hash });
  }

  private async run<T>(task: Task): Promise<T> {
    // Wall-clock time with sub-millisecond precision, comparable across threads: the worker stamps its start.
    const submittedAtMs = performance.timeOrigin + performance.now();
    const [result, startedAtMs] = (await this.pool.run(task)) as [T, number];
    this.observer.passwordTaskWaited?.(Math.max(0, startedAtMs - submittedAtMs) / 1000);
    return result;
  }

  /**
   * Spends the same time as a real check when there is no account, so timing does not tell an
   * unknown username from a wrong password.
   */
  async verifyNothing(password: string): Promise<false> {
    await this.verify(password, await this.prepare());
    return false;
  }

  /** Makes the dummy hash ahead of the first unknown-user login, so that one is not slower either. */
  prepare(): Promise<string> {
    this.dummyHash ??= this.hash('tessera-dummy-password');
    return this.dummyHash;
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
