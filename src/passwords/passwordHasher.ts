/**
 * bcrypt hashing on a small pool of worker threads sized to the cores (piscina), so a login storm
 * does not stall authenticated traffic on the event loop.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { getRounds } from 'bcryptjs';
import { Piscina } from 'piscina';

export class PasswordHasher {
  private readonly pool: Piscina;
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly cost: number) {
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

  hash(password: string): Promise<string> {
    return this.pool.run({ op: 'hash', password, cost: this.cost });
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.pool.run({ op: 'verify', password, hash });
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
