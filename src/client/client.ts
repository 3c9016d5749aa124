/**
 * The Tessera client: attaches the session token to requests, warns before the session lapses,
 * and when the server refuses the token, refreshes it once for any number of requests that
 * failed together (single flight, and one tab at a time), then replays each of them once.
 */
import { dpopKey } from './dpopKey.js';
import { RefreshFailedError, RequestFailedError, SessionEndedError } from './errors.js';
import { memoryStorage } from './storage.js';
import { withTabLock } from './tabLock.js';
import type { LoginInput, ReauthenticationChallenge, SessionEndedReason, SignedIn, StoredPair, TesseraClientOptions, TokenStorage } from './types.js';

/** A client of one Tessera service, made by `createTesseraClient`. */
export interface TesseraClient {
  /** Signs in; with `remember`, the session can be refreshed for weeks. */
  login(input: LoginInput): Promise<SignedIn>;
  /** Ends this session (and its refresh token) on the server and forgets it here. */
  logout(): Promise<void>;
  /** Ends every session of the user, on every device. */
  logoutAll(): Promise<void>;
  /** fetch with the session: relative paths go to baseUrl; refused tokens are refreshed and the request replayed once. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** The current session and user, or null when signed out. */
  session(): Promise<SignedIn | null>;
  /** Proves the password again on this session, for acts that need a recent sign-in; rejects with RequestFailedError (401 invalid-credentials) when it is wrong. */
  reauthenticate(password: string): Promise<void>;
}

const CSRF_HEADER = 'X-CSRF-Token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Pauses before retrying a refresh whose answer was lost; all well inside the server's reuse grace window. */
const REFRESH_RETRY_DELAYS_MS = [250, 1000, 3000];
/** setTimeout's ceiling (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/** A client of the Tessera service at `options.baseUrl`; it keeps its tokens in `options.storage`. */
export function createTesseraClient(options: TesseraClientOptions): TesseraClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const send = options.fetch ?? ((input: Request | string, init?: RequestInit) => globalThis.fetch(input, init));
  const cookieMode = options.storage === 'cookie';
  const storage: TokenStorage | null = options.storage === 'cookie' ? null : (options.storage ?? memoryStorage());
  const leadMs = (options.expiringLeadSeconds ?? 60) * 1000;
  const credentials: RequestInit['credentials'] = cookieMode ? 'include' : 'same-origin';
  const lockName = `tessera-refresh ${base}`;
  if (options.dpop && cookieMode) throw new TypeError("dpop binds bearer tokens; it cannot be used with storage 'cookie'");
  // Bound by default where the browser can keep a key; a server that binds nothing answers Bearer, and that is used.
  const dpop = (options.dpop ?? (!cookieMode && canKeepKeys())) ? dpopKey(`tessera ${base}`) : null;
  /** The latest server nonce (RFC 9449 §8), signed into every proof once the server sent one. */
  let nonce: string | null = null;
  let csrfToken: string | null = null;
  let refreshing: Promise<void> | null = null;
  let expiringTimer: ReturnType<typeof setTimeout> | null = null;
  let signedIn = false;

  const resolve = (input: string | URL | Request) => (typeof input === 'string' && input.startsWith('/') ? base + input : input);

  const currentPair = async (): Promise<StoredPair | null> => (storage ? await storage.get() : null);

  function watchExpiry(expiresAtIso: string | null, canRefresh: boolean): void {
    if (expiringTimer !== null) clearTimeout(expiringTimer);
    expiringTimer = null;
    const expiresAt = expiresAtIso ? new Date(expiresAtIso) : null;
    if (!expiresAt || Number.isNaN(expiresAt.getTime()) || !options.onExpiring) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, expiresAt.getTime() - leadMs - Date.now()));
    const timer = setTimeout(() => options.onExpiring?.({ expiresAt, canRefresh }), delay);
    // In Node, a pending warning must not keep the process alive.
    (timer as { unref?: () => void }).unref?.();
    expiringTimer = timer;
  }

  /** Reads what every answer may tell: the slid expiry, and (cookie mode) the CSRF token. */
  async function observe(response: Response): Promise<void> {
    noteNonce(response);
    const csrf = response.headers.get(CSRF_HEADER);
    if (csrf) csrfToken = csrf;
    const expires = response.headers.get('Session-Expires');
    if (expires) {
      const pair = await currentPair();
      if (storage && pair && pair.expiresAt !== expires) await storage.set({ ...pair, expiresAt: expires });
      watchExpiry(expires, cookieMode || Boolean(pair?.refreshToken));
    }
  }

  function noteNonce(response: Response): void {
    nonce = response.headers.get('DPoP-Nonce') ?? nonce;
  }

  /** Whether the server wants the proof signed again with the nonce it just sent (answered once per request). */
  async function nonceWanted(response: Response): Promise<boolean> {
    if (!response.headers.has('DPoP-Nonce')) return false;
    if (response.status === 401) return /error="use_dpop_nonce"/.test(response.headers.get('WWW-Authenticate') ?? '');
    return response.status === 400 && (await readProblem(response.clone()))?.error === 'use_dpop_nonce';
  }

  /** Sends with the pair's token; a bound one as `DPoP` with a fresh proof, signed again once if the server asks for its nonce. */
  async function sendWith(request: Request, pair: StoredPair | null): Promise<Response> {
    const bound = dpop !== null && pair?.tokenType === 'DPoP';
    const spare = bound ? request.clone() : null;
    const response = await sendOnce(request, pair, bound);
    return spare && (await nonceWanted(response)) ? sendOnce(spare, pair, bound) : response;
  }

  async function sendOnce(request: Request, pair: StoredPair | null, bound: boolean): Promise<Response> {
    const headers = new Headers(request.headers);
    if (pair) headers.set('Authorization', `${bound ? 'DPoP' : 'Bearer'} ${pair.token}`);
    if (bound && pair && dpop) headers.set('DPoP', await dpop.proof(request.method, request.url, pair.token, nonce));
    if (cookieMode && !SAFE_METHODS.has(request.method.toUpperCase())) {
      csrfToken ??= await fetchCsrfToken();
      if (csrfToken) headers.set(CSRF_HEADER, csrfToken);
    }
    const response = await send(new Request(request, { headers, credentials }));
    await observe(response);
    return response;
  }

  async function fetchCsrfToken(): Promise<string | null> {
    const response = await send(`${base}/auth/session`, { credentials });
    return response.ok ? response.headers.get(CSRF_HEADER) : null;
  }

  /** Whether the server refused the request for its token (so a refreshed token may succeed). */
  function refusedForToken(response: Response, token: string | null): boolean {
    if (response.status !== 401 || reauthenticationChallenge(response)) return false;
    if (cookieMode) return true;
    return token !== null && /error="invalid_token"/.test(response.headers.get('WWW-Authenticate') ?? '');
  }

  /**
   * Forgets the session here and tells the app, once. A lapse or a logout is news only when there
   * was a session to end; a refused or reused refresh token always is.
   */
  async function end(reason: SessionEndedReason, hadSession = signedIn): Promise<SessionEndedError> {
    await storage?.set(null);
    await dpop?.forget();
    watchExpiry(null, false);
    csrfToken = null;
    if (hadSession || (reason !== 'expired' && reason !== 'logged-out')) options.onSessionEnded?.(reason);
    signedIn = false;
    return new SessionEndedError(reason);
  }

  /** One refresh for every request that failed with `failedToken`, however many; later ones find the new pair. */
  function refreshAfter(failedToken: string | null): Promise<void> {
    refreshing ??= withTabLock(lockName, () => refreshUnderLock(failedToken)).finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  async function refreshUnderLock(failedToken: string | null): Promise<void> {
    if (cookieMode) {
      // The cookies are shared: another tab may have refreshed them while this one waited.
      const probe = await send(`${base}/auth/session`, { credentials });
      if (probe.ok) return observe(probe);
      return spend(null);
    }
    const pair = await currentPair();
    if (!pair) throw await end('expired');
    // Another request (or tab) refreshed already: its pair is in storage.
    if (pair.token !== failedToken) return;
    if (!pair.refreshToken) throw await end('expired');
    return spend(pair.refreshToken);
  }

  /**
   * POST /auth/refresh. An answer lost on the way (network, 5xx) is asked again with the same
   * token, which the server answers with the same pair within its grace window.
   */
  async function spend(refreshToken: string | null): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await post('/auth/refresh', refreshToken ? { refreshToken } : {});
      } catch (error) {
        if (attempt < REFRESH_RETRY_DELAYS_MS.length) {
          await pause(REFRESH_RETRY_DELAYS_MS[attempt]);
          continue;
        }
        throw new RefreshFailedError(error);
      }
      if (response.status >= 500 && attempt < REFRESH_RETRY_DELAYS_MS.length) {
        await pause(REFRESH_RETRY_DELAYS_MS[attempt]);
        continue;
      }
      if (response.ok) {
        await remember(response);
        return;
      }
      if (response.status === 401 || response.status === 403) {
        const problem = await readProblem(response);
        throw await end(problem?.type === 'urn:tessera:problem:refresh-token-reused' ? 'refresh-reused' : 'refresh-refused');
      }
      throw new RefreshFailedError(new Error(`POST /auth/refresh answered ${response.status}`));
    }
  }

  /** Keeps the pair of a login or refresh answer. */
  async function remember(response: Response): Promise<SignedIn> {
    const body = (await response.json()) as SignedIn & {
      token?: string;
      tokenType?: string;
      expiresAt: string;
      refreshToken?: string;
      refreshExpiresAt?: string;
    };
    const csrf = response.headers.get(CSRF_HEADER);
    if (csrf) csrfToken = csrf;
    if (storage && body.token) {
      await storage.set({
        token: body.token,
        expiresAt: body.expiresAt,
        refreshToken: body.refreshToken ?? null,
        refreshExpiresAt: body.refreshExpiresAt ?? null,
        tokenType: body.tokenType === 'DPoP' ? 'DPoP' : 'Bearer',
      });
    }
    signedIn = true;
    watchExpiry(body.expiresAt, cookieMode || Boolean(body.refreshToken));
    return { session: body.session, user: body.user };
  }

  async function clientFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const original = new Request(resolve(input), init);
    // A request made while a refresh runs waits for it rather than fail with the old token.
    if (refreshing) await refreshing.catch(() => undefined);
    const pair = await currentPair();
    const token = pair?.token ?? null;
    // A pair found in storage (kept from an earlier page, or another tab's login) is this client's session too.
    if (token) signedIn = true;
    const hadSession = signedIn;
    // A request that fails on the way (network) rejects here and is never replayed: it may have been done.
    let response = await sendWith(original.clone(), pair);
    // Signed in, yet no pair: a logout (in another tab sharing the storage) took it away.
    if (response.status === 401 && token === null && hadSession && !cookieMode) throw await end('logged-out');
    if (refusedForToken(response, token)) {
      await refreshAfter(token);
      response = await sendWith(original.clone(), await currentPair());
    }
    const challenge = reauthenticationChallenge(response);
    if (!challenge || !options.onReauthenticationRequired) return response;
    const password = await options.onReauthenticationRequired(challenge);
    if (password === null) return response;
    await reauthenticate(password);
    return sendWith(original, await currentPair());
  }

  /** POSTs JSON to the service (login, refresh) with a proof of the key when binding, signed again once if the server asks for its nonce. */
  async function post(path: string, body: unknown): Promise<Response> {
    const once = async () => {
      const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
      if (dpop) headers.DPoP = await dpop.proof('POST', base + path, null, nonce);
      const response = await send(base + path, { method: 'POST', headers, body: JSON.stringify(body), credentials });
      noteNonce(response);
      return response;
    };
    const response = await once();
    return dpop && (await nonceWanted(response)) ? once() : response;
  }

  async function reauthenticate(password: string): Promise<void> {
    const request = new Request(`${base}/auth/reauthenticate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ password }),
    });
    const response = await sendWith(request, await currentPair());
    if (!response.ok) throw new RequestFailedError(response.status, await readProblem(response));
  }

  return {
    async login(input) {
      // One key per session: a new login never reuses the key of an earlier one.
      await dpop?.renew();
      const response = await post('/auth/login', input);
      if (!response.ok) throw new RequestFailedError(response.status, await readProblem(response));
      return remember(response);
    },

    async logout() {
      await signOut('/auth/logout');
    },

    async logoutAll() {
      await signOut('/auth/logout-all');
    },

    fetch: clientFetch,

    reauthenticate,

    async session() {
      try {
        const response = await clientFetch('/auth/session');
        return response.ok ? ((await response.json()) as SignedIn) : null;
      } catch (error) {
        if (error instanceof SessionEndedError) return null;
        throw error;
      }
    },
  };

  /**
   * Logs out on the server (a token it already refuses is as good as logged out), then forgets the
   * pair and tells the app 'logged-out', when there was a session.
   */
  async function signOut(path: string): Promise<void> {
    const pair = await currentPair();
    const response = await sendWith(new Request(base + path, { method: 'POST' }), pair);
    if (!response.ok && response.status !== 401) throw new RequestFailedError(response.status, await readProblem(response));
    await end('logged-out', signedIn || pair !== null || cookieMode);
  }
}

/** Whether this runtime can make and keep a non-extractable key: Web Crypto and IndexedDB (browsers, not Node). */
function canKeepKeys(): boolean {
  const runtime = globalThis as { indexedDB?: unknown; crypto?: { subtle?: unknown } };
  return Boolean(runtime.indexedDB && runtime.crypto?.subtle);
}

/** RFC 9470's challenge on a 401, or null when the 401 is for another reason. */
function reauthenticationChallenge(response: Response): ReauthenticationChallenge | null {
  if (response.status !== 401) return null;
  const header = response.headers.get('WWW-Authenticate') ?? '';
  if (!/error="insufficient_user_authentication"/.test(header)) return null;
  const maxAge = /max_age="?(\d+)/.exec(header);
  return { maxAgeSeconds: maxAge ? Number(maxAge[1]) : null };
}

async function readProblem(response: Response): Promise<{ type?: string; title?: string; detail?: string; error?: string } | null> {
  try {
    return (await response.json()) as { type?: string; detail?: string; error?: string };
  } catch {
    return null;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
