/** Expected failures as values, so a page can answer each one without try/catch as control flow. */

/** Any error class, whatever its constructor takes. */
// biome-ignore lint/suspicious/noExplicitAny: a constructor of any parameters, as `instanceof` takes.
type ErrorClass = abstract new (...args: any[]) => Error;

export type Settled<T, C extends ErrorClass[]> = { ok: true; value: T } | { ok: false; error: InstanceType<C[number]> };

/** `work`'s value, or the error it failed with when that is one of `expected`; any other error propagates. */
export async function settle<T, C extends ErrorClass[]>(work: Promise<T>, ...expected: C): Promise<Settled<T, C>> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    if (expected.some((type) => error instanceof type)) return { ok: false, error: error as InstanceType<C[number]> };
    throw error;
  }
}
