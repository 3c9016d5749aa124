import { requestFingerprint } from '../../src/http/idempotencyKey';
import { IDEMPOTENCY_KEYS_PER_CALLER } from '../../src/store/idempotencyStore';
import { KeySpace } from '../support/keys';
import { parseSessionId } from '../../src/tokens/sessionId';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { useServices } from '../support/serviceFixture';
import { keysWithPrefix } from '../support/redisInspect';
import { logIn, signUpAndLogIn, type TestService } from '../support/service';

const ADMIN = { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'admin-secret-2468' };
const PASSWORD = 'correct horse battery';

describe.each(BACKENDS)('Idempotency-Key retries on $name Redis', (backend) => {
  const suite = useServices(backend);

  async function auditEntries(service: TestService, token: string, stream: 'trail' | 'sign-in'): Promise<{ type: string; target: string | null }[]> {
    const response = await service.call('GET', `/admin/audit?limit=100&stream=${stream}`, { token });
    return ((await response.json()) as { entries: { type: string; target: string | null }[] }).entries;
  }

  it('replays a retried registration’s 201 and creates one user; another body with that key answers 422', async () => {
    const service = await suite.serve(ADMIN);
    const headers = { 'Idempotency-Key': '"register-1"' };
    const body = { username: 'carol', password: PASSWORD };
    const first = await service.call('POST', '/auth/register', { body, headers });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const firstBody = (await first.json()) as { user: { id: string } };

    const again = await service.call('POST', '/auth/register', { body, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await again.json()).toEqual(firstBody);

    const other = await service.call('POST', '/auth/register', { body: { username: 'carol2', password: PASSWORD }, headers });
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ type: 'urn:tessera:problem:idempotency-key-reused' });
    // Without a key, the same body is a second registration of a taken name.
    expect((await service.call('POST', '/auth/register', { body })).status).toBe(409);

    const admin = await logIn(service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const registered = (await auditEntries(service, admin.token, 'sign-in')).filter((entry) => entry.type === 'user.registered');
    expect(registered).toEqual([expect.objectContaining({ target: firstBody.user.id })]);
    expect((await service.call('POST', '/auth/register', { body: { username: 'carol2', password: PASSWORD } })).status).toBe(201);
  });

  it('keeps an anonymous key per address, and writes nothing for a registration that failed', async () => {
    const prefix = uniquePrefix();
    const service = await suite.serve({ KEY_PREFIX: prefix, TRUST_PROXY: '1' });
    const from = (address: string) => ({ 'Idempotency-Key': 'same-key', 'X-Forwarded-For': address });
    const weak = await service.call('POST', '/auth/register', { body: { username: 'dave', password: 'password' }, headers: from('203.0.113.5') });
    expect(weak.status).toBe(400);
    expect((await keysWithPrefix(suite.redis, prefix)).filter((key) => key.includes(':i:'))).toEqual([]);

    const body = { username: 'dave', password: PASSWORD };
    expect((await service.call('POST', '/auth/register', { body, headers: from('203.0.113.5') })).status).toBe(201);
    expect((await service.call('POST', '/auth/register', { body, headers: from('203.0.113.5') })).headers.get('idempotent-replayed')).toBe('true');
    // Another address is another caller: its request runs, and finds the name taken.
    const elsewhere = await service.call('POST', '/auth/register', { body, headers: from('198.51.100.7') });
    expect(elsewhere.status).toBe(409);
    expect(await elsewhere.json()).toMatchObject({ type: 'urn:tessera:problem:username-taken' });
  });

  it('replays a retried ban with its first answer and writes one audit entry', async () => {
    const prefix = uniquePrefix();
    const service = await suite.serve({ ...ADMIN, KEY_PREFIX: prefix });
    const admin = await logIn(service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const victim = await signUpAndLogIn(service, 'mallory');
    const ban = () =>
      service.call('POST', '/admin/blacklist', {
        token: admin.token,
        body: { userId: victim.body.user.id, reason: 'spam' },
        headers: { 'Idempotency-Key': '"ban-mallory"' },
      });
    const first = await ban();
    expect(first.status).toBe(201);
    const firstBody = await first.json();
    const retried = await ban();
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(await retried.json()).toEqual(firstBody);
    const bans = (await auditEntries(service, admin.token, 'trail')).filter((entry) => entry.type === 'user.banned');
    expect(bans).toHaveLength(1);
    // Kept a day, in the admin's own slot.
    const [kept, ...more] = (await keysWithPrefix(suite.redis, prefix)).filter((key) => key.includes(':i:'));
    expect(more).toEqual([]);
    expect(kept).toContain(`{${parseSessionId(admin.body.session.id)!.tag}}`);
    expect(await suite.redis.pttl(kept)).toBeGreaterThan(23 * 60 * 60 * 1000);
  });

  it('answers 409 while the first request with the key runs, and acts once it has let go', async () => {
    const service = await suite.serve();
    const user = await signUpAndLogIn(service, 'erin');
    const tag = parseSessionId(user.body.session.id)!.tag;
    const body = JSON.stringify({ currentPassword: PASSWORD, newPassword: 'another long passphrase' });
    // Another instance holds the key for this very request.
    // Passwords are left out of the comparison.
    const compared = JSON.stringify({ currentPassword: null, newPassword: null });
    const claim = await service.idempotency.claim({ user: tag }, 'pw-1', requestFingerprint('POST', '/auth/password', compared));
    if (claim.outcome !== 'claimed') throw new Error(`expected a claim, got ${claim.outcome}`);
    const send = () => service.call('POST', '/auth/password', { token: user.token, body, headers: { 'Idempotency-Key': 'pw-1' } });

    const busy = await send();
    expect(busy.status).toBe(409);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(await busy.json()).toMatchObject({ type: 'urn:tessera:problem:idempotency-key-in-flight' });
    await logIn(service, 'erin', PASSWORD);

    await service.idempotency.release({ user: tag }, 'pw-1', claim.lease);
    expect((await send()).status).toBe(204);
    await logIn(service, 'erin', 'another long passphrase');
    const retried = await send();
    expect(retried.status).toBe(204);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
  });

  it('keeps no failed answer: the same key runs again after an error', async () => {
    const service = await suite.serve();
    const user = await signUpAndLogIn(service, 'frank');
    const headers = { 'Idempotency-Key': 'pw-2' };
    const wrong = await service.call('POST', '/auth/password', {
      token: user.token,
      body: { currentPassword: 'not it at all', newPassword: 'another long passphrase' },
      headers,
    });
    expect(wrong.status).toBe(401);
    const right = await service.call('POST', '/auth/password', {
      token: user.token,
      body: { currentPassword: PASSWORD, newPassword: 'another long passphrase' },
      headers,
    });
    expect(right.status).toBe(204);
    expect(right.headers.get('idempotent-replayed')).toBeNull();
  });

  it('scopes keys per user: another user’s same key is theirs alone', async () => {
    const service = await suite.serve();
    const [grace, heidi] = await Promise.all([signUpAndLogIn(service, 'grace'), signUpAndLogIn(service, 'heidi')]);
    const headers = { 'Idempotency-Key': 'shared' };
    const send = (token: string) =>
      service.call('POST', '/auth/password', { token, body: { currentPassword: PASSWORD, newPassword: 'another long passphrase' }, headers });
    expect((await send(grace.token)).status).toBe(204);
    const theirs = await send(heidi.token);
    expect(theirs.status).toBe(204);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    await logIn(service, 'heidi', 'another long passphrase');
  });

  it('keeps nothing computed from a password, and replays a registration only to its password', async () => {
    const prefix = uniquePrefix();
    const service = await suite.serve({ KEY_PREFIX: prefix });
    const headers = { 'Idempotency-Key': 'reg-secret' };
    const first = await service.call('POST', '/auth/register', { body: { username: 'judy', password: PASSWORD }, headers });
    expect(first.status).toBe(201);
    const [stored] = (await keysWithPrefix(suite.redis, prefix)).filter((key) => key.includes(':i:'));
    const entry = JSON.parse((await suite.redis.get(stored))!) as { f: string };
    expect(entry.f).toBe(requestFingerprint('POST', '/auth/register', JSON.stringify({ username: 'judy', password: null })));
    expect(JSON.stringify(entry)).not.toContain(PASSWORD);
    // Another password under the same key was never checked: no false 201 for it.
    const otherPassword = await service.call('POST', '/auth/register', { body: { username: 'judy', password: 'a different passphrase' }, headers });
    expect(otherPassword.status).toBe(422);
    expect(await otherPassword.json()).toMatchObject({ type: 'urn:tessera:problem:idempotency-key-reused' });
    const same = await service.call('POST', '/auth/register', { body: { username: 'judy', password: PASSWORD }, headers });
    expect(same.status).toBe(201);
    expect(same.headers.get('idempotent-replayed')).toBe('true');
    expect(await same.json()).toEqual(await first.json());
    expect((await service.call('POST', '/auth/register', { body: { username: 'judy2', password: PASSWORD }, headers })).status).toBe(422);
  });

  it('replays a password change only to a retry bringing the password it set', async () => {
    const service = await suite.serve();
    const user = await signUpAndLogIn(service, 'kim');
    const headers = { 'Idempotency-Key': 'pw-3' };
    const change = (newPassword: string) =>
      service.call('POST', '/auth/password', { token: user.token, body: { currentPassword: PASSWORD, newPassword }, headers });
    expect((await change('another long passphrase')).status).toBe(204);
    const other = await change('yet another passphrase');
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ type: 'urn:tessera:problem:idempotency-key-reused' });
    await logIn(service, 'kim', 'another long passphrase');
    const same = await change('another long passphrase');
    expect(same.status).toBe(204);
    expect(same.headers.get('idempotent-replayed')).toBe('true');
  });

  it('replays a reauthentication only to the right password, and counts wrong ones like failed logins', async () => {
    const service = await suite.serve({ LOGIN_FREE_TRIES: '2' });
    const user = await signUpAndLogIn(service, 'lena');
    const headers = { 'Idempotency-Key': 'reauth-1' };
    const reauthenticate = (password: string) => service.call('POST', '/auth/reauthenticate', { token: user.token, body: { password }, headers });
    expect((await reauthenticate(PASSWORD)).status).toBe(204);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await reauthenticate(`wrong guess ${i}`)).status);
    // The free tries go as 422s, then the lockout refuses before any check.
    expect(statuses.slice(0, 2)).toEqual([422, 422]);
    expect(statuses[3]).toBe(429);
    expect((await reauthenticate(PASSWORD)).status).toBe(429);
  });

  it(`keeps at most ${IDEMPOTENCY_KEYS_PER_CALLER} keys per user: a new key past them pushes out the oldest`, async () => {
    const prefix = uniquePrefix();
    const service = await suite.serve({ ...ADMIN, KEY_PREFIX: prefix });
    const admin = await logIn(service, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const clear = (key: number) =>
      service.call('POST', '/admin/throttles/clear', { token: admin.token, body: { address: '192.0.2.1' }, headers: { 'Idempotency-Key': `clear-${key}` } });
    for (let key = 0; key <= IDEMPOTENCY_KEYS_PER_CALLER; key += 1) expect((await clear(key)).status).toBe(200);
    const kept = (await keysWithPrefix(suite.redis, prefix)).filter((key) => key.includes(':i:'));
    expect(kept).toHaveLength(IDEMPOTENCY_KEYS_PER_CALLER);
    expect((await clear(IDEMPOTENCY_KEYS_PER_CALLER)).headers.get('idempotent-replayed')).toBe('true');
    // The oldest is gone: its retry acts again, as one without a key would.
    const oldest = await clear(0);
    expect(oldest.status).toBe(200);
    expect(oldest.headers.get('idempotent-replayed')).toBeNull();
    const index = new KeySpace(prefix).idempotencyIndex(parseSessionId(admin.body.session.id)!.tag);
    expect(await suite.redis.zcard(index)).toBe(IDEMPOTENCY_KEYS_PER_CALLER);
    expect(await suite.redis.pttl(index)).toBeGreaterThan(23 * 60 * 60 * 1000);
  });

  it('keeps a bounded, expiring set of keys per address for anonymous registrations', async () => {
    const prefix = uniquePrefix();
    const service = await suite.serve({ KEY_PREFIX: prefix, RATE_LIMITS: 'off' });
    const total = IDEMPOTENCY_KEYS_PER_CALLER + 5;
    for (let i = 0; i < total; i += 1) {
      const registered = await service.call('POST', '/auth/register', {
        body: { username: `anon-${i}`, password: PASSWORD },
        headers: { 'Idempotency-Key': `r-${i}` },
      });
      expect(registered.status).toBe(201);
    }
    const keys = await keysWithPrefix(suite.redis, prefix);
    const kept = keys.filter((key) => key.includes(':i:'));
    expect(kept).toHaveLength(IDEMPOTENCY_KEYS_PER_CALLER);
    const [index, ...more] = keys.filter((key) => key.endsWith(':i'));
    expect(more).toEqual([]);
    expect(await suite.redis.zcard(index)).toBe(IDEMPOTENCY_KEYS_PER_CALLER);
    for (const key of [index, ...kept]) expect(await suite.redis.pttl(key)).toBeGreaterThan(0);
  }, 60_000);

  it('refuses a key that is not a short printable string, doing nothing', async () => {
    const service = await suite.serve();
    const user = await signUpAndLogIn(service, 'ivan');
    const refused = await service.call('POST', '/auth/logout-all', { token: user.token, headers: { 'Idempotency-Key': 'x'.repeat(300) } });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ errors: [{ field: 'Idempotency-Key' }] });
    expect((await service.call('GET', '/auth/session', { token: user.token })).status).toBe(200);
  });
});
