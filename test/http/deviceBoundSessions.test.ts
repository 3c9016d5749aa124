/**
 * Device-bound cookie sessions (W3C DBSC) against a client written from the draft (support/dbsc.ts),
 * on two instances sharing one Redis, standalone and Cluster. The window's end is moved on Redis's
 * own clock (the session's `b` field) rather than waited for, so nothing here sleeps.
 */
import type { Cluster, Redis } from 'ioredis';
import { SESSION_FIELD, USER_FIELD } from '../../src/store/fields';
import { KeySpace } from '../../src/store/keys';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { DbscBrowser, DbscKey, parseChallenges, parseRegistrations } from '../support/dbsc';
import { hiddenFields, PageClient, type PageResponse } from '../support/pageClient';
import type { TestService } from '../support/service';
import { useInstancePair } from '../support/serviceFixture';

const COOKIE = '__Host-tessera';
const REFRESH_COOKIE = '__Host-tessera-refresh';
const DAY_MS = 86_400_000;
const WINDOW_SECONDS = 120;
const ENV = { COOKIE_TRANSPORT: 'on', DBSC_WINDOW: `${WINDOW_SECONDS}s`, REGISTRATIONS_PER_ADDRESS: '1000', RATE_LIMITS: 'off' };

describe.each(BACKENDS)('device-bound cookie sessions (DBSC) on $name Redis', (backend) => {
  const prefix = uniquePrefix();
  const pair = useInstancePair(backend, { ...ENV, KEY_PREFIX: prefix });
  let redis: Redis | Cluster;
  const keys = new KeySpace(prefix);

  beforeAll(async () => {
    redis = await backend.connect();
  });
  afterAll(() => redis.quit());

  const sessionKey = (sessionId: string) => keys.session(sessionId.slice(0, 10), sessionId.slice(10));

  /** A browser signed in through the login form on instance a; answers it and the sign-in's response. */
  async function signedIn(username: string): Promise<{ page: PageClient; signIn: PageResponse }> {
    const registered = await pair.a.call('POST', '/auth/register', { body: { username, password: 'correct horse battery' } });
    expect(registered.status).toBe(201);
    const page = new PageClient(pair.a);
    return { page, signIn: await page.logIn(username) };
  }

  /** A browser signed in and bound to its key. */
  async function boundBrowser(username: string): Promise<DbscBrowser> {
    const { page, signIn } = await signedIn(username);
    const browser = new DbscBrowser(page);
    expect((await browser.register(signIn)).status).toBe(200);
    return browser;
  }

  /** The window ends now, on Redis's clock: as if WINDOW_SECONDS had passed since the last proof. */
  async function lapse(sessionId: string): Promise<void> {
    const [seconds, micros] = await redis.time();
    await redis.hset(sessionKey(sessionId), SESSION_FIELD.deviceBoundUntil, Number(seconds) * 1000 + Math.floor(Number(micros) / 1000));
  }

  /** Redis's clock, in ms. */
  async function redisNow(): Promise<number> {
    const [seconds, micros] = await redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  /** The session was last seen `ms` ago, as its index entry in the user hash says. */
  async function lastSeenAgo(sessionId: string, ms: number): Promise<void> {
    const user = keys.forUser(sessionId.slice(0, 10)).user;
    await redis.hset(user, USER_FIELD.sessionSeen + sessionId.slice(10), (await redisNow()) - ms);
  }

  const expiryOf = async (key: string) => Number(await redis.call('PEXPIRETIME', key));

  /** A browser signed in through the login form with "Keep me signed in". */
  async function rememberedSignIn(username: string): Promise<{ page: PageClient; signIn: PageResponse }> {
    expect((await pair.a.call('POST', '/auth/register', { body: { username, password: 'correct horse battery' } })).status).toBe(201);
    const page = new PageClient(pair.a);
    const form = await page.get('/login');
    const signIn = await page.post('/login', { ...hiddenFields(form.html), username, password: 'correct horse battery', remember: 'on' });
    expect(signIn.status).toBe(303);
    return { page, signIn };
  }

  const sessionOf = async (page: PageClient) =>
    (JSON.parse((await page.get('/auth/session')).html) as { session: Record<string, string | null> & { id: string } }).session;

  const status = async (page: PageClient, headers: Record<string, string> = {}) => (await page.get('/auth/session', headers)).status;
  const cookieLine = (answer: PageResponse) => answer.setCookies.find((line) => line.startsWith(`${COOKIE}=`)) ?? '';
  const maxAge = (answer: PageResponse) => Number(/Max-Age=(\d+)/.exec(cookieLine(answer))?.[1]);

  it('offers registration at sign-in, through the login form and through the JSON login with its cookie', async () => {
    const { signIn } = await signedIn('dbsc-offer');
    const [offer] = parseRegistrations(signIn.headers.get('secure-session-registration'));
    expect(offer).toEqual({
      algorithms: ['ES256', 'RS256'],
      path: '/auth/dbsc/start',
      challenge: expect.stringMatching(/^[0-9a-z]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}$/),
    });
    const login = await pair.b.call('POST', '/auth/login', { body: { username: 'dbsc-offer', password: 'correct horse battery' } });
    expect(login.status).toBe(200);
    expect(parseRegistrations(login.headers.get('secure-session-registration'))).toHaveLength(1);
  });

  it('binds the session at the start endpoint: the instructions, a cookie living one window, the key beside the compact session hash', async () => {
    const { page, signIn } = await signedIn('dbsc-start');
    const browser = new DbscBrowser(page);
    const started = await browser.register(signIn);
    expect(started.status).toBe(200);
    expect(started.headers.get('cache-control')).toBe('no-store');
    const session = (
      JSON.parse((await page.get('/auth/session')).html) as {
        session: { id: string; deviceBoundUntil: string; expiresAt: string; lastSeenAt: string; rememberedUntil: string | null };
      }
    ).session;
    expect(browser.session()).toEqual({
      session_identifier: session.id,
      refresh_url: '/auth/dbsc/refresh',
      scope: { include_site: false, scope_specification: [] },
      credentials: [{ type: 'cookie', name: COOKIE, attributes: 'Path=/; HttpOnly; SameSite=Lax; Secure' }],
    });
    expect(maxAge(started)).toBeGreaterThanOrEqual(WINDOW_SECONDS - 2);
    expect(maxAge(started)).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(Date.parse(session.deviceBoundUntil)).toBeGreaterThan(Date.now());
    // A login that was not remembered keeps its own lifetimes (the idle timeout is 30 minutes).
    expect(Date.parse(session.expiresAt) - Date.parse(session.lastSeenAt)).toBe(30 * 60_000);
    expect(session.rememberedUntil).toBeNull();
    // Every later answer keeps the cookie within the window, so the browser renews it in time.
    expect(maxAge(await page.get('/auth/session'))).toBeLessThanOrEqual(WINDOW_SECONDS);

    const key = `${sessionKey(session.id)}:k`;
    expect(JSON.parse((await redis.get(key))!)).toEqual(browser.key.jwk);
    expect(await redis.pttl(key)).toBeGreaterThan(0);
    expect(await redis.call('OBJECT', 'ENCODING', sessionKey(session.id))).toBe('listpack');
  });

  it('renews the cookie at the other instance against a signed challenge, and refuses the cookie it replaced', async () => {
    const browser = await boundBrowser('dbsc-refresh');
    const before = browser.page.cookies.get(COOKIE)!;
    const oldCopy = new PageClient(pair.a);
    oldCopy.cookies.set(COOKIE, before);

    const { first, second } = await browser.refresh({ via: browser.page.at(pair.b) });
    expect(first.status).toBe(403);
    expect(first.headers.get('secure-session-challenge')).toMatch(
      new RegExp(`^"[0-9a-z]+\\.[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]{22}";id="${browser.session().session_identifier}"$`),
    );
    expect(second?.status).toBe(200);
    expect(maxAge(second!)).toBeGreaterThanOrEqual(WINDOW_SECONDS - 2);
    expect(browser.page.cookies.get(COOKIE)).not.toBe(before);

    expect(await status(browser.page)).toBe(200);
    expect(await status(browser.page.at(pair.b))).toBe(200);
    expect(await status(oldCopy)).toBe(401);
  });

  it('refuses a bound cookie copied to another client once its window lapses, while the owner renews and goes on', async () => {
    const owner = await boundBrowser('dbsc-copied');
    const sessionId = owner.session().session_identifier;
    const copied = owner.page.cookies.get(COOKIE)!;
    const thief = new PageClient(pair.b);
    thief.cookies.set(COOKIE, copied);
    expect(await status(thief)).toBe(200);

    await lapse(sessionId);
    expect(await status(thief)).toBe(401);
    // A page the thief opens shows the login form, and the cookie is cleared.
    expect((await thief.get('/account')).location).toMatch(/^\/login/);
    // The owner's browser, too, would find its cookie lapsed; it renews first (the draft defers the request).
    const { second } = await owner.refresh();
    expect(second?.status).toBe(200);
    expect(await status(owner.page)).toBe(200);

    // Renewed, the session has a new secret: the copy stays refused for good.
    thief.cookies.set(COOKIE, copied);
    expect(await status(thief)).toBe(401);
    // The session outlived the lapse: it was never ended, only refused.
    expect(await redis.exists(sessionKey(sessionId))).toBe(1);
  });

  it('refuses a proof by another key, a tampered one, a replayed one at the other instance and a foreign challenge, and the owner still renews', async () => {
    const { page, signIn } = await signedIn('dbsc-owner');
    const owner = new DbscBrowser(page);
    expect((await owner.register(signIn)).status).toBe(200);
    const other = await boundBrowser('dbsc-other');
    const stranger = new DbscKey();
    const sessionId = owner.session().session_identifier;
    const before = owner.page.cookies.get(COOKIE)!;

    const byStranger = await owner.refresh({ sign: (challenge) => stranger.proof({ jti: challenge }, false) });
    expect(byStranger.second?.status).toBe(400);
    expect(JSON.parse(byStranger.second!.html)).toMatchObject({ type: 'urn:tessera:problem:invalid-device-proof' });
    // A stranger's key named in the header changes nothing: the session's own key verifies.
    const namingItsKey = await owner.refresh({ sign: (challenge) => stranger.proof({ jti: challenge }, true) });
    expect(namingItsKey.second?.status).toBe(400);
    const tampered = await owner.refresh({
      sign: (challenge) => {
        const proof = owner.key.proof({ jti: challenge }, false);
        return proof.slice(0, -4) + (proof.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      },
    });
    expect(tampered.second?.status).toBe(400);
    // The other session's challenge, signed by the owner's key: 403 and a fresh challenge, nothing renewed.
    const otherChallenge = await other.refresh({ sign: () => '' });
    const foreign = otherChallenge.first.headers.get('secure-session-challenge')!;
    const foreignValue = /^"([^"]+)"/.exec(foreign)![1];
    const withForeign = await owner.refresh({ sign: () => owner.key.proof({ jti: foreignValue }, false) });
    expect(withForeign.second?.status).toBe(403);
    // The start challenge of the owner's own sign-in is no refresh challenge.
    const startChallenge = parseRegistrations(signIn.headers.get('secure-session-registration'))[0].challenge;
    expect((await owner.refresh({ sign: () => owner.key.proof({ jti: startChallenge }, false) })).second?.status).toBe(403);
    expect(owner.page.cookies.get(COOKIE)).toBe(before);
    expect(await status(owner.page)).toBe(200);

    const renewed = await owner.refresh();
    expect(renewed.second?.status).toBe(200);
    const current = owner.page.cookies.get(COOKIE);
    const replayed = await owner.page.at(pair.b).send('POST', '/auth/dbsc/refresh', undefined, {
      'sec-secure-session-id': `"${sessionId}"`,
      'secure-session-response': renewed.proof!,
    });
    expect(replayed.status).toBe(403);
    expect(owner.page.cookies.get(COOKIE)).toBe(current);
    expect(await status(owner.page)).toBe(200);
    expect(await status(other.page)).toBe(200);
  });

  it('binds a session once, and refuses a registration over a challenge it was not sent or with a bad signature, handing out no challenge', async () => {
    const { page, signIn } = await signedIn('dbsc-once');
    const offered = parseRegistrations(signIn.headers.get('secure-session-registration'))[0];
    const key = new DbscKey();
    const send = (proof: string) => page.send('POST', '/auth/dbsc/start', undefined, { 'secure-session-response': proof });

    const elsewhere = parseRegistrations((await signedIn('dbsc-once-other')).signIn.headers.get('secure-session-registration'))[0];
    const foreign = await send(key.proof({ jti: elsewhere.challenge }, true));
    expect(foreign.status).toBe(400);
    expect(JSON.parse(foreign.html)).toMatchObject({ type: 'urn:tessera:problem:invalid-device-proof' });
    expect(foreign.headers.get('secure-session-challenge')).toBeNull();
    const unsigned = key.proof({ jti: offered.challenge }, true);
    expect((await send(unsigned.slice(0, -4) + (unsigned.endsWith('AAAA') ? 'BBBB' : 'AAAA'))).status).toBe(400);
    expect((await send(key.proof({ jti: offered.challenge }, false))).status).toBe(400);
    expect((await send(key.proof({ jti: offered.challenge }, true, { alg: 'none' }))).status).toBe(400);
    const unproven = await page.send('POST', '/auth/dbsc/start', undefined, {});
    expect(unproven.status).toBe(400);
    expect(unproven.headers.get('secure-session-challenge')).toBeNull();

    expect((await send(key.proof({ jti: offered.challenge }, true))).status).toBe(200);
    const again = await send(new DbscKey().proof({ jti: offered.challenge }, true));
    expect(again.status).toBe(409);
    expect(await status(page)).toBe(200);
  });

  it('keeps today’s cookie for a browser that does not register', async () => {
    const { page, signIn } = await signedIn('dbsc-plain');
    expect(maxAge(signIn)).toBeGreaterThan(WINDOW_SECONDS);
    const answer = await page.get('/auth/session');
    expect((JSON.parse(answer.html) as { session: { deviceBoundUntil: null } }).session.deviceBoundUntil).toBeNull();
    expect(maxAge(answer)).toBeGreaterThan(WINDOW_SECONDS);
    // A refresh for it is refused: no key to prove.
    const sessionId = (JSON.parse(answer.html) as { session: { id: string } }).session.id;
    const named = { 'sec-secure-session-id': `"${sessionId}"` };
    const challenged = await page.send('POST', '/auth/dbsc/refresh', undefined, named);
    expect(challenged.status).toBe(403);
    const [{ challenge }] = parseChallenges(challenged.headers.get('secure-session-challenge'));
    const refresh = await page.send('POST', '/auth/dbsc/refresh', undefined, {
      ...named,
      'secure-session-response': new DbscKey().proof({ jti: challenge }, false),
    });
    expect(refresh.status).toBe(401);
    expect(await status(page)).toBe(200);
  });

  const familyKey = (sessionId: string, familyId: string) => keys.forUser(sessionId.slice(0, 10)).family(familyId);
  const refreshFrom = (page: PageClient) => page.send('POST', '/auth/refresh', '{}', { 'content-type': 'application/json' });
  const problemOf = (answer: PageResponse) => (JSON.parse(answer.html) as { type: string }).type;
  /** The audit trail's reuse entries about one session. */
  const reusedEntries = async (sessionId: string) =>
    (await pair.a.admin.audit.page(100, undefined, 'sign-in')).entries.filter((entry) => entry.type === 'refresh.reused' && entry.target === sessionId);

  it('supersedes a remembered login’s refresh token when the browser binds its key: the cookie is cleared, the owner goes on for the login’s lifetime', async () => {
    const { page, signIn } = await rememberedSignIn('dbsc-remembered');
    expect(page.cookies.get(REFRESH_COOKIE)).toMatch(/^tessr_/);
    const sessionId = (await sessionOf(page)).id;
    const familyId = (await redis.hget(sessionKey(sessionId), SESSION_FIELD.family))!;
    expect(await redis.exists(familyKey(sessionId, familyId))).toBe(1);

    const owner = new DbscBrowser(page);
    const started = await owner.register(signIn);
    expect(started.status).toBe(200);
    // The start answer clears the refresh cookie; the family is superseded in the same step, kept to the login's end to catch copies.
    expect(started.setCookies.some((line) => line.startsWith(`${REFRESH_COOKIE}=;`) && line.includes('Max-Age=0'))).toBe(true);
    expect(page.cookies.has(REFRESH_COOKIE)).toBe(false);
    expect(await redis.hexists(familyKey(sessionId, familyId), 'sb')).toBe(1);

    // The bound session is the remembered login now: it lives to the login's end, idle as long as a refresh token may be.
    const session = await sessionOf(page);
    expect(Date.parse(session.absoluteExpiresAt!) - Date.parse(session.createdAt!)).toBe(90 * DAY_MS);
    expect(Date.parse(session.expiresAt!) - Date.parse(session.lastSeenAt!)).toBe(30 * DAY_MS);
    expect(session.rememberedUntil).toBe(session.expiresAt);
    expect(await expiryOf(familyKey(sessionId, familyId))).toBe(Date.parse(session.absoluteExpiresAt!));
    expect((await owner.refresh({ via: owner.page.at(pair.b) })).second?.status).toBe(200);
    expect(await status(owner.page)).toBe(200);
    expect(await reusedEntries(sessionId)).toEqual([]);

    // Logging out of the bound session ends the superseded family with it.
    const csrf = (await owner.page.get('/auth/session')).headers.get('x-csrf-token')!;
    expect((await owner.page.send('POST', '/auth/logout', undefined, { 'x-csrf-token': csrf })).status).toBe(204);
    expect(await redis.exists(familyKey(sessionId, familyId))).toBe(0);
  });

  it('takes a refresh cookie copied before the binding and presented after it for reuse: it signs nobody in, and the login ends', async () => {
    const { page, signIn } = await rememberedSignIn('dbsc-remembered-copy');
    const copiedRefresh = page.cookies.get(REFRESH_COOKIE)!;
    const owner = new DbscBrowser(page);
    expect((await owner.register(signIn)).status).toBe(200);
    const sessionId = owner.session().session_identifier;

    const thief = new PageClient(pair.b);
    thief.cookies.set(REFRESH_COOKIE, copiedRefresh);
    const refreshed = await refreshFrom(thief);
    expect(refreshed.status).toBe(401);
    expect(problemOf(refreshed)).toBe('urn:tessera:problem:refresh-token-reused');
    expect(thief.cookies.has(COOKIE)).toBe(false);
    // By a page too: no session, the login form.
    thief.cookies.set(REFRESH_COOKIE, copiedRefresh);
    expect((await thief.get('/account')).location).toMatch(/^\/login/);
    expect(thief.cookies.has(COOKIE)).toBe(false);

    // A copy off the device means the device is not the owner's alone: the bound session ended with the login, and it was recorded.
    expect(await redis.exists(sessionKey(sessionId))).toBe(0);
    expect(await status(owner.page)).toBe(401);
    expect((await owner.refresh()).second?.status).toBe(401);
    expect(await reusedEntries(sessionId)).toEqual([expect.objectContaining({ outcome: 'denied' })]);
  });

  it('catches a thief who spent a copied refresh cookie and bound the session it gave him: the owner’s browser presenting it ends his session as reuse', async () => {
    const { page } = await rememberedSignIn('dbsc-refresh-thief');
    const copiedRefresh = page.cookies.get(REFRESH_COOKIE)!;

    // The thief, on another instance: a session from the copied refresh cookie, with its offer, and his key bound to it at once.
    const thiefPage = new PageClient(pair.b);
    thiefPage.cookies.set(REFRESH_COOKIE, copiedRefresh);
    const stolen = await refreshFrom(thiefPage);
    expect(stolen.status).toBe(200);
    const thief = new DbscBrowser(thiefPage);
    expect((await thief.register(stolen)).status).toBe(200);
    const thiefSessionId = thief.session().session_identifier;
    expect(await status(thief.page)).toBe(200);

    // The owner's session ended with the refresh; their browser comes back with its refresh cookie, spent by the thief.
    expect(await status(page)).toBe(401);
    const back = await refreshFrom(page);
    expect(back.status).toBe(401);
    expect(problemOf(back)).toBe('urn:tessera:problem:refresh-token-reused');

    // The thief's bound session is over, key and all, on every instance, and the reuse is on record.
    expect(await redis.exists(sessionKey(thiefSessionId))).toBe(0);
    expect(await redis.exists(`${sessionKey(thiefSessionId)}:k`)).toBe(0);
    expect(await status(thief.page)).toBe(401);
    const renewal = await thief.refresh({ via: thief.page.at(pair.a) });
    expect(renewal.second?.status).toBe(401);
    expect(JSON.parse(renewal.second!.html)).toMatchObject({ type: 'urn:tessera:problem:device-session-ended' });
    expect(await reusedEntries(thiefSessionId)).toEqual([expect.objectContaining({ outcome: 'denied' })]);
  });

  it('binds no key for a copied session cookie: only the sign-in’s answer carries the start challenge, and the owner binds afterwards', async () => {
    const { page, signIn } = await rememberedSignIn('dbsc-copied-cookie');
    const sessionId = (await sessionOf(page)).id;
    const familyId = (await redis.hget(sessionKey(sessionId), SESSION_FIELD.family))!;

    // The thief holds a copy of the plain cookie, not the sign-in's answer: he asks the start endpoint, and signs what it gives him.
    const thief = new PageClient(pair.b);
    thief.cookies.set(COOKIE, page.cookies.get(COOKIE)!);
    const thiefKey = new DbscKey();
    const asked = await thief.send('POST', '/auth/dbsc/start', undefined, {});
    const [given] = parseChallenges(asked.headers.get('secure-session-challenge'));
    const tried = await thief.send('POST', '/auth/dbsc/start', undefined, {
      'secure-session-response': thiefKey.proof({ jti: given?.challenge ?? 'no challenge' }, true),
    });
    expect(asked.status).toBe(400);
    expect(given).toBeUndefined();
    expect(tried.status).toBe(400);
    expect(JSON.parse(tried.html)).toMatchObject({ type: 'urn:tessera:problem:invalid-device-proof' });
    // Nor does any other answer to the signed-in cookie offer one.
    expect((await thief.get('/auth/session')).headers.get('secure-session-registration')).toBeNull();
    expect((await thief.get('/account')).headers.get('secure-session-registration')).toBeNull();

    // Nothing changed: the remembered login stands, and the owner binds with the challenge of their own sign-in.
    expect(await redis.hexists(sessionKey(sessionId), SESSION_FIELD.deviceBoundUntil)).toBe(0);
    expect(await redis.hexists(familyKey(sessionId, familyId), 'sb')).toBe(0);
    const owner = new DbscBrowser(page);
    expect((await owner.register(signIn)).status).toBe(200);
    expect((await sessionOf(page)).rememberedUntil).not.toBeNull();
  });

  it('gives each refresh a challenge of its own: two renewals in one minute, and a lost answer retried, each get a usable one', async () => {
    const owner = await boundBrowser('dbsc-refresh-twice');
    const first = await owner.refresh();
    expect(first.second?.status).toBe(200);
    const second = await owner.refresh({ via: owner.page.at(pair.b) });
    expect(second.second?.status).toBe(200);
    const challengeOf = (answer: PageResponse) => parseChallenges(answer.headers.get('secure-session-challenge'))[0].challenge;
    expect(challengeOf(second.first)).not.toBe(challengeOf(first.first));

    // The answer to a renewal lost, the browser sends its proof again: spent, it gets a fresh challenge, which renews.
    const sessionId = owner.session().session_identifier;
    const named = { 'sec-secure-session-id': `"${sessionId}"` };
    const resent = await owner.page.send('POST', '/auth/dbsc/refresh', undefined, { ...named, 'secure-session-response': second.proof! });
    expect(resent.status).toBe(403);
    const fresh = challengeOf(resent);
    expect(fresh).not.toBe(challengeOf(second.first));
    const renewed = await owner.page.send('POST', '/auth/dbsc/refresh', undefined, {
      ...named,
      'secure-session-response': owner.key.proof({ jti: fresh }, false),
    });
    expect(renewed.status).toBe(200);
    expect(await status(owner.page)).toBe(200);
  });

  it('keeps a bound remembered session through an idle spell longer than the session idle timeout, renewed by its key alone', async () => {
    const { page, signIn } = await rememberedSignIn('dbsc-remembered-idle');
    const owner = new DbscBrowser(page);
    expect((await owner.register(signIn)).status).toBe(200);
    const sessionId = owner.session().session_identifier;

    // Two hours away (the session idle timeout is 30 minutes); meanwhile a sign-in elsewhere prunes the user's idle sessions.
    await lastSeenAgo(sessionId, 2 * 3_600_000);
    await lapse(sessionId);
    await new PageClient(pair.b).logIn('dbsc-remembered-idle');
    expect(await status(owner.page)).toBe(401);

    const { second } = await owner.refresh({ via: owner.page.at(pair.b) });
    expect(second?.status).toBe(200);
    expect(await status(owner.page)).toBe(200);
    const listed = await owner.page.get('/auth/sessions');
    expect((JSON.parse(listed.html) as { sessions: { id: string }[] }).sessions.map((s) => s.id)).toContain(sessionId);
  });

  it('lets the browser key expire with the session hash as it slides, so after logout everywhere it goes when the hash does', async () => {
    const owner = await boundBrowser('dbsc-key-expiry');
    const sessionId = owner.session().session_identifier;
    const key = `${sessionKey(sessionId)}:k`;
    expect(await expiryOf(key)).toBe(await expiryOf(sessionKey(sessionId)));

    // A token check that slides the session (last seen long enough ago) slides the key too.
    await lastSeenAgo(sessionId, 60_000);
    const before = await expiryOf(key);
    expect(await status(owner.page)).toBe(200);
    expect(await expiryOf(key)).toBeGreaterThan(before);
    expect(await expiryOf(key)).toBe(await expiryOf(sessionKey(sessionId)));
    // So does a renewal.
    await lastSeenAgo(sessionId, 60_000);
    expect((await owner.refresh()).second?.status).toBe(200);
    expect(await expiryOf(key)).toBe(await expiryOf(sessionKey(sessionId)));

    const csrf = (await owner.page.get('/auth/session')).headers.get('x-csrf-token')!;
    expect((await owner.page.send('POST', '/auth/logout-all', undefined, { 'x-csrf-token': csrf })).status).toBe(204);
    // The session hash stays until its idle end (the next token check deletes it); the key ends no later.
    expect(await expiryOf(key)).toBeLessThanOrEqual(await expiryOf(sessionKey(sessionId)));
  });

  it('judges a request that says it skipped the refresh (Secure-Session-Skipped) by its window alone', async () => {
    const owner = await boundBrowser('dbsc-skipped');
    const skipped = { 'secure-session-skipped': `unreachable;session_identifier="${owner.session().session_identifier}"` };
    expect(await status(owner.page, skipped)).toBe(200);
    await lapse(owner.session().session_identifier);
    expect(await status(owner.page, skipped)).toBe(401);
  });

  it('ends the browser key with the session at logout, and a refresh after it tells the browser to drop the session', async () => {
    const owner = await boundBrowser('dbsc-logout');
    const sessionId = owner.session().session_identifier;
    const csrf = (await owner.page.get('/auth/session')).headers.get('x-csrf-token')!;
    expect((await owner.page.send('POST', '/auth/logout', undefined, { 'x-csrf-token': csrf })).status).toBe(204);
    expect(await redis.exists(`${sessionKey(sessionId)}:k`)).toBe(0);
    // The first call carries no proof, so it is answered with a challenge before anything is read.
    const { first, second } = await owner.refresh();
    expect(first.status).toBe(403);
    expect(second?.status).toBe(401);
    expect(JSON.parse(second!.html)).toMatchObject({ type: 'urn:tessera:problem:device-session-ended' });
  });
});

describe.each([BACKENDS[0]])('DBSC turned off on $name Redis', (backend) => {
  const pair = useInstancePair(backend, { ...ENV, DBSC: 'off' });

  it('offers no registration and serves no DBSC endpoint', async () => {
    const service: TestService = pair.a;
    expect((await service.call('POST', '/auth/register', { body: { username: 'dbsc-off', password: 'correct horse battery' } })).status).toBe(201);
    const page = new PageClient(service);
    const signIn = await page.logIn('dbsc-off');
    expect(signIn.headers.get('secure-session-registration')).toBeNull();
    expect((await new PageClient(service).send('POST', '/auth/dbsc/refresh', undefined, { 'sec-secure-session-id': '"x"' })).status).toBe(404);
  });
});

describe.each(BACKENDS)('what DBSC proofs cost an anonymous caller on $name Redis', (backend) => {
  // One proxy in front, so each test client can come from an address of its own.
  const pair = useInstancePair(backend, { ...ENV, RATE_LIMITS: 'on', LOGIN_FAILURES_PER_ADDRESS: '3', TRUST_PROXY: '1' });
  const fromAddress = (service: TestService, address: string) =>
    new PageClient(service, { origin: service.url, 'sec-fetch-site': 'same-origin', 'x-forwarded-for': address });

  it('refuses an address whose proofs fail to verify with 429 and Retry-After, at every instance, at start too, while the owner elsewhere renews', async () => {
    for (const username of ['dbsc-throttled-owner', 'dbsc-throttled-other']) {
      expect((await pair.a.call('POST', '/auth/register', { body: { username, password: 'correct horse battery' } })).status).toBe(201);
    }
    const ownerPage = new PageClient(pair.a);
    const owner = new DbscBrowser(ownerPage);
    expect((await owner.register(await ownerPage.logIn('dbsc-throttled-owner'))).status).toBe(200);
    // The caller signs in from its address too, so it can try the start endpoint once over its budget.
    const callerPage = fromAddress(pair.a, '203.0.113.9');
    const callerSignIn = await callerPage.logIn('dbsc-throttled-other');

    const stranger = new DbscKey();
    const forged = (via: PageClient) => owner.refresh({ via, sign: (challenge) => stranger.proof({ jti: challenge }, false) });
    for (let i = 0; i < 3; i += 1) expect((await forged(fromAddress(pair.a, '203.0.113.9'))).second?.status).toBe(400);

    const refused = await forged(fromAddress(pair.b, '203.0.113.9'));
    // The first, proof-less call is answered as before: it costs nothing to refuse.
    expect(refused.first.status).toBe(403);
    expect(refused.second?.status).toBe(429);
    expect(refused.second!.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(refused.second!.html)).toMatchObject({ type: 'urn:tessera:problem:rate-limited' });
    expect(Number(refused.second!.headers.get('retry-after'))).toBeGreaterThan(0);
    // Even a good proof from that address waits: the budget is spent before any signature is checked.
    const caller = new DbscBrowser(callerPage);
    expect((await caller.register(callerSignIn)).status).toBe(429);

    expect((await owner.refresh({ via: owner.page.at(pair.b) })).second?.status).toBe(200);
    expect((await owner.page.get('/auth/session')).status).toBe(200);
  });
});
