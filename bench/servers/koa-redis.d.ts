/** The part of koa-redis (which ships no types) that the koa-session server uses. */
declare module 'koa-redis' {
  interface RedisStoreOptions {
    /** redis:// URL of the server. */
    url?: string;
  }
  interface RedisStore {
    get(sid: string): Promise<unknown>;
    set(sid: string, session: unknown, ttlMs?: number): Promise<void>;
    destroy(sid: string): Promise<void>;
    quit(): Promise<void>;
  }
  function redisStore(options?: RedisStoreOptions): RedisStore;
  export = redisStore;
}
