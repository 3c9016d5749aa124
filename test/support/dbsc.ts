/**
 * A Device Bound Session Credentials client for tests, written from the W3C Editor's Draft
 * (https://w3c.github.io/webappsec-dbsc/, February 2026) with node:crypto, not from Tessera's own
 * code: it reads `Secure-Session-Registration` (an RFC 9651 list of inner lists with parameters),
 * makes a P-256 key, sends `Secure-Session-Response` proofs (`dbsc+jwt`, ES256: the header names
 * the key at registration only), and refreshes as the draft's "send a request" algorithm does: a
 * 403 with `Secure-Session-Challenge` is answered once with a proof over that challenge.
 */
import { generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { PageClient, PageResponse } from './pageClient';

export interface Registration {
  algorithms: string[];
  path: string;
  challenge: string;
  authorization?: string;
}

/** The session instructions JSON the start and refresh endpoints answer. */
export interface SessionInstructions {
  session_identifier: string;
  refresh_url?: string;
  continue?: boolean;
  scope: { origin?: string; include_site: boolean; scope_specification?: { type: string; domain?: string; path?: string }[] };
  credentials: { type: string; name: string; attributes?: string }[];
}

/** The registrations of a `Secure-Session-Registration` value (entries without a path are ignored, as the draft says). */
export function parseRegistrations(value: string | null): Registration[] {
  if (!value) return [];
  const registrations: Registration[] = [];
  for (const member of splitList(value)) {
    const inner = /^\(([^)]*)\)(.*)$/.exec(member);
    if (!inner) continue;
    const params = parseParameters(inner[2]);
    if (params.path === undefined) continue;
    registrations.push({
      algorithms: inner[1].split(' ').filter(Boolean),
      path: params.path,
      challenge: params.challenge ?? '',
      ...(params.authorization === undefined ? {} : { authorization: params.authorization }),
    });
  }
  return registrations;
}

/** The (challenge, session id) pairs of a `Secure-Session-Challenge` value. */
export function parseChallenges(value: string | null): { challenge: string; id: string | null }[] {
  if (!value) return [];
  return splitList(value).flatMap((member) => {
    const match = /^"((?:[^"\\]|\\.)*)"(.*)$/.exec(member);
    if (!match) return [];
    return [{ challenge: unescapeString(match[1]), id: parseParameters(match[2]).id ?? null }];
  });
}

export class DbscKey {
  readonly jwk: JsonWebKey;
  private readonly privateKey: KeyObject;

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
    this.jwk = { kty, crv, x, y };
    this.privateKey = privateKey;
  }

  /** A DBSC proof: `jwk` in the header for a registration, none for a refresh. */
  proof(claims: { jti: string; authorization?: string }, withKey: boolean, header: Record<string, unknown> = {}): string {
    const protectedHeader = { alg: 'ES256', typ: 'dbsc+jwt', ...(withKey ? { jwk: this.jwk } : {}), ...header };
    const input = `${encode(protectedHeader)}.${encode(claims)}`;
    // JWS ES256 is r||s, not DER (RFC 7518 §3.4).
    const signature = sign('sha256', Buffer.from(input), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  }
}

/** A browser with DBSC: a page client that registers a key when offered one, and refreshes the bound cookie on demand. */
export class DbscBrowser {
  readonly key = new DbscKey();
  instructions: SessionInstructions | null = null;

  constructor(readonly page: PageClient) {}

  /** Registers for the first offer in `answer` (a sign-in's response); answers the start endpoint's response. */
  async register(answer: PageResponse): Promise<PageResponse> {
    const [offer] = parseRegistrations(answer.headers.get('secure-session-registration'));
    if (!offer) throw new Error('the answer offers no device-bound session');
    if (!offer.algorithms.includes('ES256')) throw new Error(`ES256 is not offered: ${offer.algorithms.join(' ')}`);
    const proof = this.key.proof({ jti: offer.challenge, ...(offer.authorization ? { authorization: offer.authorization } : {}) }, true);
    const started = await this.page.send('POST', offer.path, undefined, { 'secure-session-response': proof });
    if (started.status === 200) this.instructions = JSON.parse(started.html) as SessionInstructions;
    return started;
  }

  /**
   * A refresh as the draft's algorithm makes it: POST refresh_url with `Sec-Secure-Session-Id`; on
   * 403, sign the challenge and send again. `via` is the instance it reaches (default: the page's);
   * `sign` makes the proof (default: this key's, over the challenge), so a test can send exactly
   * the wrong one it means. Answers both responses.
   */
  async refresh(
    options: { via?: PageClient; sign?: (challenge: string) => string } = {},
  ): Promise<{ first: PageResponse; second: PageResponse | null; proof: string | null }> {
    const { via = this.page, sign = (challenge: string) => this.key.proof({ jti: challenge }, false) } = options;
    const session = this.session();
    const headers = { 'sec-secure-session-id': `"${session.session_identifier}"` };
    const first = await via.send('POST', session.refresh_url ?? '', undefined, headers);
    if (first.status !== 403) return { first, second: null, proof: null };
    const challenge = parseChallenges(first.headers.get('secure-session-challenge')).find((c) => c.id === session.session_identifier);
    if (!challenge) return { first, second: null, proof: null };
    const proof = sign(challenge.challenge);
    const second = await via.send('POST', session.refresh_url ?? '', undefined, { ...headers, 'secure-session-response': proof });
    if (second.status === 200 && second.html) this.instructions = JSON.parse(second.html) as SessionInstructions;
    return { first, second, proof };
  }

  session(): SessionInstructions {
    if (!this.instructions) throw new Error('no device-bound session registered');
    return this.instructions;
  }
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Splits an RFC 9651 list at top-level commas (not inside strings or inner lists). */
function splitList(value: string): string[] {
  const members: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i += 1) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i += 1;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    else if (c === ',' && depth === 0) {
      members.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  members.push(value.slice(start).trim());
  return members.filter(Boolean);
}

/** `;key="string"` or `;key=token` parameters (booleans and numbers are not needed here). */
function parseParameters(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of text.matchAll(/;\s*([a-z*][a-z0-9_.*-]*)(?:=(?:"((?:[^"\\]|\\.)*)"|([^;\s]*)))?/g)) {
    params[match[1]] = match[2] !== undefined ? unescapeString(match[2]) : (match[3] ?? '');
  }
  return params;
}

function unescapeString(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}
