/**
 * Options of DPoP (RFC 9449) sender-constrained sessions: defined, defaulted and validated here
 * and nowhere else; the environment (config/env.ts) only overrides them.
 */
import { TesseraArgumentError } from './errors';
import type { DpopNonces } from './tokens/dpopNonce';

/** `optional`: a login with a proof is bound to its key, one without stays a bearer session. `required`: a login without a proof is refused. */
export type DpopMode = 'optional' | 'required';

/** How DPoP proofs are checked (authenticate's `dpop` option, or a DpopVerifier's). */
export interface DpopOptions {
  /** Whether logins must bind their session to a key. Default 'optional'. */
  mode?: DpopMode;
  /** How far a proof's `iat` may lie from now, either way; also how long its `jti` is remembered. Seconds; default 60. */
  proofWindowSeconds?: number;
  /**
   * The origin clients call (`https://auth.example.com`): a proof's `htu` must name it. Default
   * null: the request's own origin (behind trusted proxies, the forwarded one).
   */
  publicOrigin?: string | null;
  /** Server nonces every proof must carry (RFC 9449 §8); null for none. Default null. */
  nonces?: DpopNonces | null;
  /** Public keys kept imported, by thumbprint, so a busy session pays the import once. Default 10000. */
  keyCacheSize?: number;
}

/** DpopOptions with every default filled in. */
export type ResolvedDpopOptions = Readonly<Required<DpopOptions>>;

/** The defaults of DpopOptions. */
export const DEFAULT_DPOP_OPTIONS: ResolvedDpopOptions = Object.freeze({
  mode: 'optional',
  proofWindowSeconds: 60,
  publicOrigin: null,
  nonces: null,
  keyCacheSize: 10_000,
});

/** DpopOptions merged with the defaults and validated; throws TesseraArgumentError naming the option to fix. */
export function resolveDpopOptions(options: DpopOptions = {}): ResolvedDpopOptions {
  const resolved: Required<DpopOptions> = {
    mode: options.mode ?? DEFAULT_DPOP_OPTIONS.mode,
    proofWindowSeconds: options.proofWindowSeconds ?? DEFAULT_DPOP_OPTIONS.proofWindowSeconds,
    publicOrigin: options.publicOrigin ?? DEFAULT_DPOP_OPTIONS.publicOrigin,
    nonces: options.nonces ?? DEFAULT_DPOP_OPTIONS.nonces,
    keyCacheSize: options.keyCacheSize ?? DEFAULT_DPOP_OPTIONS.keyCacheSize,
  };
  if (resolved.mode !== 'optional' && resolved.mode !== 'required') {
    throw new TesseraArgumentError(`dpop.mode must be 'optional' or 'required'; got ${String(resolved.mode)}.`);
  }
  if (!Number.isSafeInteger(resolved.proofWindowSeconds) || resolved.proofWindowSeconds <= 0) {
    throw new TesseraArgumentError(`dpop.proofWindowSeconds must be a positive whole number of seconds; got ${String(resolved.proofWindowSeconds)}.`);
  }
  if (!Number.isSafeInteger(resolved.keyCacheSize) || resolved.keyCacheSize <= 0) {
    throw new TesseraArgumentError(`dpop.keyCacheSize must be a positive whole number; got ${String(resolved.keyCacheSize)}.`);
  }
  if (resolved.publicOrigin !== null && !isOrigin(resolved.publicOrigin)) {
    throw new TesseraArgumentError(
      `dpop.publicOrigin must be an http(s) origin without a path, such as https://auth.example.com; got ${JSON.stringify(resolved.publicOrigin)}.`,
    );
  }
  return Object.freeze({ ...resolved, publicOrigin: resolved.publicOrigin === null ? null : new URL(resolved.publicOrigin).origin });
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.pathname === '/' && !url.search && !url.hash && !url.username;
  } catch {
    return false;
  }
}
