/**
 * Caps the password checks one client address has in flight on this instance, so one client
 * cannot fill the bcrypt queue that every other user's login waits in. Kept in memory: it counts
 * work this process is doing right now, which no other instance shares.
 */
import { RateLimitedError } from '../errors';

export class AddressGate {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Runs the work, or refuses with 429 when the address already has `limit` checks running here. */
  async run<T>(address: string, work: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(address) ?? 0;
    if (running >= this.limit) throw new RateLimitedError(1);
    this.inFlight.set(address, running + 1);
    try {
      return await work();
    } finally {
      const left = (this.inFlight.get(address) ?? 1) - 1;
      if (left > 0) this.inFlight.set(address, left);
      else this.inFlight.delete(address);
    }
  }
}
