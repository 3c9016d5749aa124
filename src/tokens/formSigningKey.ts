/**
 * The one key that signs what Tessera keeps nowhere (every page form token, signed-in and
 * signed-out, and the device tokens), the same on every instance: fetched once per process (from
 * an environment secret, or the one kept in Redis) and kept, so no page view asks Redis for it.
 * A failed fetch is retried at the next use.
 */
export type FormKeySource = () => Promise<Buffer>;

export function cachedFormKey(source: FormKeySource): FormKeySource {
  let key: Promise<Buffer> | null = null;
  return () => {
    key ??= source().catch((error: unknown) => {
      key = null;
      throw error;
    });
    return key;
  };
}
