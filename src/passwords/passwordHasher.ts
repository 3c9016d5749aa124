/**
 * bcrypt hashing (and the scoring of new passwords) on a small pool of worker threads sized to the cores (piscina), so a login storm
 * does not stall authenticated traffic on the event loop. Every check costs what one at today's
 * cost does, whatever the stored hash, so timing tells no unknown name from a known one.
 * The queue in front of the pool is bounded: past it the answer is 503 at once, rather than a
 * wait that grows with the attack.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { getRounds } from 'bcryptjs';
import { Piscina } from 'piscina';
import { ServerBusyError } from '../errors';

/** Hashes and checks that may wait for a worker, by default; one more is answered 503 at once. */
export const DEFAULT_PASSWORD_QUEUE_LIMIT = 32;

/** Told how long each hash or check waited for a worker (for metrics); must not throw. */
export interface PasswordQueueObserver {
  passwordTaskWaited?(seconds: number): void;
}

/** What a check found, and its work: the bcrypt rounds spent (2^cost per hash compared). */
export interface PasswordCheck {
  valid: boolean;
  rounds: number;
}

type Task =
  | { op: 'hash'; password: string; cost: number }
  | { op: 'verify'; password: string; hashes: string[] }
  | { op: 'score'; password: string; context: string[] };

const DUMMY_PASSWORD = 'tessera-dummy-password';

export class PasswordHasher {
  private readonly pool: Piscina;
  /** Hashes of a dummy password at each cost, made once: unknown names and top-ups check against them. */
  private readonly dummyHashes = new Map<number, Promise<string>>();

  /** `maxQueued`: hashes and checks that may wait for a worker; one more is refused (ServerBusyError). */
  constructor(
    private readonly cost: number,
    private readonly observer: PasswordQueueObserver = {},
    private readonly maxQueued = DEFAULT_PASSWORD_QUEUE_LIMIT,
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
    return this.hashAt(password, this.cost);
  }

  /**
   * zxcvbn's score (0-4) of a new password, on the same bounded pool as the hashes: scoring is
   * CPU work an anonymous caller can ask for, so it waits its turn and is refused with them.
   * `context`: words that count as guessable (the username, the service's name).
   */
  score(password: string, context: string[]): Promise<number> {
    return this.run<number>({ op: 'score', password, context });
  }

  async verify(password: string, hash: string): Promise<boolean> {
    return (await this.check(password, hash)).valid;
  }

  /**
   * Checks a password against a stored hash. A hash made at a lower cost (before BCRYPT_COST was
   * raised) is topped up with checks against dummy hashes at each cost from its own up to today's:
   * 2^c0 + (2^c0 + 2^(c0+1) + ... + 2^(c-1)) = 2^c, the work of one check at today's cost c. So
   * an account still on an old hash answers as slowly as an unknown name.
   */
  async check(password: string, hash: string): Promise<PasswordCheck> {
    const topUps: Promise<string>[] = [];
    for (let cost = getRounds(hash); cost < this.cost; cost += 1) topUps.push(this.dummyHashAt(cost));
    return this.run<PasswordCheck>({ op: 'verify', password, hashes: [hash, ...(await Promise.all(topUps))] });
  }

  /**
   * Spends the same time as a real check when there is no account, so timing does not tell an
   * unknown username from a wrong password.
   */
  async verifyNothing(password: string): Promise<false> {
    await this.check(password, await this.prepare());
    return false;
  }

  /** Makes the dummy hash ahead of the first unknown-user login, so that one is not slower either. */
  prepare(): Promise<string> {
    return this.dummyHashAt(this.cost);
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }

  private dummyHashAt(cost: number): Promise<string> {
    let hash = this.dummyHashes.get(cost);
    if (!hash) {
      hash = this.hashAt(DUMMY_PASSWORD, cost);
      this.dummyHashes.set(cost, hash);
      // A refusal (queue full) must not stay cached: the next check makes it again.
      hash.catch(() => this.dummyHashes.delete(cost));
    }
    return hash;
  }

  private hashAt(password: string, cost: number): Promise<string> {
    return this.run<string>({ op: 'hash', password, cost });
  }

  private async run<T>(task: Task): Promise<T> {
    // Checked and queued in one synchronous step (no await before pool.run), so the bound holds under any concurrency.
    if (this.pool.queueSize >= this.maxQueued) throw new ServerBusyError(1);
    // Wall-clock time with sub-millisecond precision, comparable across threads: the worker stamps its start.
    const submittedAtMs = performance.timeOrigin + performance.now();
    const [result, startedAtMs] = (await this.pool.run(task)) as [T, number];
    this.observer.passwordTaskWaited?.(Math.max(0, startedAtMs - submittedAtMs) / 1000);
    return result;
  }
}
