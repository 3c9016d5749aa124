import { RateLimitedError } from '../../src/errors';
import { AddressGate } from '../../src/limits/addressGate';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the per-address cap on password checks in flight', () => {
  it('refuses a third check from an address with two running, lets other addresses through, and frees the slot when one ends', async () => {
    const gate = new AddressGate(2);
    const held = [deferred(), deferred()];
    const running = held.map((d) => gate.run('198.51.100.1', () => d.promise));
    await expect(gate.run('198.51.100.1', async () => 'third')).rejects.toBeInstanceOf(RateLimitedError);
    await expect(gate.run('198.51.100.2', async () => 'elsewhere')).resolves.toBe('elsewhere');
    held[0].resolve();
    await running[0];
    await expect(gate.run('198.51.100.1', async () => 'after')).resolves.toBe('after');
    held[1].resolve();
    await running[1];
  });

  it('frees the slot when a check fails', async () => {
    const gate = new AddressGate(1);
    await expect(gate.run('198.51.100.3', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run('198.51.100.3', async () => 'next')).resolves.toBe('next');
  });
});
