/**
 * The client's DPoP key (RFC 9449): a P-256 key pair made by Web Crypto as non-extractable, so no
 * script, not even the page's own, can read its private half; it can only ask the browser to sign.
 * The CryptoKeyPair itself is kept in IndexedDB (a structured clone stays non-extractable), so tabs
 * and reloads share it with the token; where there is no IndexedDB (Node) it lives in memory. A
 * login makes a new key; logout deletes it.
 */

const DATABASE = 'tessera-dpop';
const STORE = 'keys';

export interface DpopKey {
  /** A `dpop+jwt` proof for one request; `token` is the session token it carries (null at login and refresh). */
  proof(method: string, url: string, token: string | null, nonce: string | null): Promise<string>;
  /** Replaces the key with a new one (at login: one key per session). */
  renew(): Promise<void>;
  /** Deletes the key (at logout). */
  forget(): Promise<void>;
}

/** The parts of IndexedDB used here, typed locally: the SDK also compiles against Node's types, which have none. */
interface IdbRequest<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbStore {
  get(key: string): IdbRequest<unknown>;
  put(value: unknown, key: string): IdbRequest<unknown>;
  delete(key: string): IdbRequest<unknown>;
}
interface IdbDatabase {
  createObjectStore(name: string): unknown;
  transaction(store: string, mode: 'readonly' | 'readwrite'): { objectStore(name: string): IdbStore };
}
interface IdbFactory {
  open(name: string, version: number): IdbRequest<IdbDatabase> & { onupgradeneeded: (() => void) | null };
}

/** Web Crypto's key type, whichever lib (DOM or Node) the SDK compiles against. */
type WebCryptoKey = Parameters<typeof crypto.subtle.sign>[1];

interface KeyPair {
  privateKey: WebCryptoKey;
  publicKey: WebCryptoKey;
}

/** A key pair with an id, so a tab can tell whether the stored pair is still the one it holds. */
interface KeptKey {
  id: string;
  pair: KeyPair;
}

interface Keeper {
  get(): Promise<KeptKey | null>;
  set(kept: KeptKey | null): Promise<void>;
}

export function dpopKey(name: string): DpopKey {
  const indexedDb = (globalThis as { indexedDB?: IdbFactory }).indexedDB;
  const keeper = indexedDb ? indexedDbKeeper(indexedDb, name) : memoryKeeper();
  let current: (KeptKey & { header: string }) | null = null;

  async function make(): Promise<KeptKey> {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as KeyPair;
    const kept = { id: randomId(), pair };
    await keeper.set(kept);
    return kept;
  }

  /** The proof header is the same for every proof of a key: encoded once. */
  async function withHeader(kept: KeptKey): Promise<KeptKey & { header: string }> {
    const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', kept.pair.publicKey);
    return { ...kept, header: base64urlJson({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } }) };
  }

  async function key(): Promise<KeptKey & { header: string }> {
    // Another tab may have logged in with a new key since: the stored pair is the one that counts.
    const stored = await keeper.get();
    if (current && stored?.id === current.id) return current;
    current = await withHeader(stored ?? (await make()));
    return current;
  }

  return {
    async proof(method, url, token, nonce) {
      const { pair, header } = await key();
      const target = new URL(url);
      const claims: Record<string, unknown> = {
        jti: randomId(),
        htm: method.toUpperCase(),
        htu: target.origin + target.pathname,
        iat: Math.floor(Date.now() / 1000),
      };
      if (token !== null) claims.ath = await sha256Base64url(token);
      if (nonce !== null) claims.nonce = nonce;
      const signingInput = `${header}.${base64urlJson(claims)}`;
      // Web Crypto's ECDSA signature is r||s, exactly the JWS ES256 form.
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, new TextEncoder().encode(signingInput));
      return `${signingInput}.${base64url(new Uint8Array(signature))}`;
    },
    async renew() {
      current = await withHeader(await make());
    },
    async forget() {
      current = null;
      await keeper.set(null);
    },
  };
}

function memoryKeeper(): Keeper {
  let key: KeptKey | null = null;
  return {
    get: () => Promise.resolve(key),
    set: (kept) => {
      key = kept;
      return Promise.resolve();
    },
  };
}

function indexedDbKeeper(indexedDb: IdbFactory, name: string): Keeper {
  let database: Promise<IdbDatabase> | null = null;
  const open = () =>
    (database ??= new Promise<IdbDatabase>((resolve, reject) => {
      const request = indexedDb.open(DATABASE, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => {
        database = null;
        reject(request.error instanceof Error ? request.error : new Error('IndexedDB could not be opened'));
      };
    }));
  async function run<T>(mode: 'readonly' | 'readwrite', act: (store: IdbStore) => IdbRequest<unknown>): Promise<T> {
    const db = await open();
    return new Promise<T>((resolve, reject) => {
      const request = act(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result as T);
      request.onerror = () => reject(request.error instanceof Error ? request.error : new Error('IndexedDB request failed'));
    });
  }
  return {
    async get() {
      return (await run<KeptKey | undefined>('readonly', (store) => store.get(name))) ?? null;
    },
    async set(kept) {
      await run('readwrite', (store) => (kept ? store.put(kept, name) : store.delete(name)));
    },
  };
}

function randomId(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(16)));
}

async function sha256Base64url(text: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

function base64urlJson(value: unknown): string {
  return base64url(new TextEncoder().encode(JSON.stringify(value)));
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
