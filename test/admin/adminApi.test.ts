import type { Cluster, Redis } from 'ioredis';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { keysWithPrefix } from '../support/redisInspect';
import { logIn, signUpAndLogIn, startTestService, type TestService } from '../support/service';
import { KeySpace } from '../support/keys';

const ADMIN = { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'admin-secret-2468' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(BACKENDS)('the admin API on $name Redis', (backend) => {
  let redisA: Redis | Cluster;
  let redisB: Redis | Cluster;
  let a: TestService;
  let b: TestService;
  let prefix: string;
  let adminToken: string;
  let adminId: string;

  beforeAll(async () => {
    [redisA, redisB] = await Promise.all([backend.connect(), backend.connect()]);
  });
  afterAll(() => Promise.all([redisA.quit(), redisB.quit()]));

  beforeEach(async () => {
    prefix = uniquePrefix();
    const env = { KEY_PREFIX: prefix, ...ADMIN };
    a = await startTestService(redisA, env);
    b = await startTestService(redisB, env);
    const admin = await logIn(a, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    adminToken = admin.token;
    adminId = admin.body.user.id;
  });
  afterEach(() => Promise.all([a.close(), b.close()]));

  async function json<T>(response: Response): Promise<T> {
    return (await response.json()) as T;
  }

  async function auditTypes(stream = 'trail'): Promise<{ type: string; actor: { id: string | null }; target: string | null; outcome: string }[]> {
    const { entries } = await json<{ entries: { type: string; actor: { id: string | null }; target: string | null; outcome: string }[] }>(
      await a.call('GET', `/admin/audit?limit=100&stream=${stream}`, { token: adminToken }),
    );
    return entries;
  }

  it('bans on one instance and the user’s token is refused on the other at the next request', async () => {
    const user = await signUpAndLogIn(a, 'eve');
    expect((await b.call('GET', '/auth/session', { token: user.token })).status).toBe(200);
    const ban = await a.call('POST', '/admin/blacklist', {
      token: adminToken,
      body: { userId: user.body.user.id, reason: 'stolen token reported' },
    });
    expect(ban.status).toBe(201);
    expect((await json<{ entry: Record<string, unknown> }>(ban)).entry).toMatchObject({
      userId: user.body.user.id,
      username: 'eve',
      reason: 'stolen token reported',
      by: { id: adminId, name: 'root' },
      until: null,
    });
    expect((await b.call('GET', '/auth/session', { token: user.token })).status).toBe(401);

    const refused = await b.call('POST', '/auth/login', { body: { username: 'eve', password: 'correct horse battery' } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ type: 'urn:tessera:problem:banned', until: null });

    expect((await b.call('DELETE', `/admin/blacklist/${user.body.user.id}`, { token: adminToken })).status).toBe(204);
    await logIn(b, 'eve');
    expect((await a.call('DELETE', `/admin/blacklist/${user.body.user.id}`, { token: adminToken })).status).toBe(404);
  });

  it('lifts a ban with an end by itself', async () => {
    const user = await signUpAndLogIn(a, 'brief');
    const until = new Date(Date.now() + 2000).toISOString();
    const ban = await a.call('POST', '/admin/blacklist', { token: adminToken, body: { userId: user.body.user.id, reason: 'cool off', until } });
    expect(ban.status).toBe(201);
    const refused = await b.call('POST', '/auth/login', { body: { username: 'brief', password: 'correct horse battery' } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ until });
    await sleep(Date.parse(until) - Date.now() + 100);
    await logIn(b, 'brief');
    const list = await json<{ entries: unknown[] }>(await a.call('GET', '/admin/blacklist', { token: adminToken }));
    expect(list.entries).toEqual([]);
  });

  it('shows a wrong password, not the ban, to someone without the password', async () => {
    const user = await signUpAndLogIn(a, 'hidden');
    const ban = await a.call('POST', '/admin/blacklist', { token: adminToken, body: { userId: user.body.user.id, reason: 'abuse' } });
    expect(ban.status).toBe(201);
    const guess = await b.call('POST', '/auth/login', { body: { username: 'hidden', password: 'a wrong guess' } });
    expect(guess.status).toBe(401);
    expect(await guess.json()).toMatchObject({ type: 'urn:tessera:problem:invalid-credentials' });
    // The ban is in force: the right password is what shows it.
    const owner = await b.call('POST', '/auth/login', { body: { username: 'hidden', password: 'correct horse battery' } });
    expect(owner.status).toBe(403);
  });

  it('lists bans page by page', async () => {
    for (const name of ['ban-1', 'ban-2', 'ban-3']) {
      const user = await signUpAndLogIn(a, name);
      await a.call('POST', '/admin/blacklist', { token: adminToken, body: { userId: user.body.user.id, reason: name } });
    }
    const first = await json<{ entries: { reason: string }[]; nextCursor: string | null }>(
      await a.call('GET', '/admin/blacklist?limit=2', { token: adminToken }),
    );
    expect(first.entries).toHaveLength(2);
    const second = await json<{ entries: { reason: string }[]; nextCursor: string | null }>(
      await a.call('GET', `/admin/blacklist?limit=2&cursor=${first.nextCursor}`, { token: adminToken }),
    );
    expect(second.nextCursor).toBeNull();
    expect([...first.entries, ...second.entries].map((e) => e.reason).sort()).toEqual(['ban-1', 'ban-2', 'ban-3']);
  });

  it('keeps a ban and its details on the user alone, so a lift by any way drops it from the list', async () => {
    const user = await signUpAndLogIn(a, 'single-home');
    const banned = await a.call('POST', '/admin/blacklist', { token: adminToken, body: { userId: user.body.user.id, reason: '  spam  ' } });
    expect(banned.status).toBe(201);
    const userHash = new KeySpace(prefix).forUser(user.body.session.id.slice(0, 10)).user;
    const stored = await redisA.hgetall(userHash);
    expect(stored.b).toBe('inf');
    expect(JSON.parse(stored.bd)).toMatchObject({ userId: user.body.user.id, reason: 'spam', by: { id: adminId } });
    const listed = async () =>
      (await json<{ entries: { userId: string; reason: string }[] }>(await a.call('GET', '/admin/blacklist?limit=10', { token: adminToken }))).entries;
    expect(await listed()).toEqual([expect.objectContaining({ userId: user.body.user.id, reason: 'spam' })]);
    // Lifted through the library, which knows nothing of the list: the list follows the user hash.
    expect(await a.sessions.unban(user.body.user.id)).toBe(true);
    expect(await listed()).toEqual([]);
  });

  it('refuses an admin banning itself, and a ban of nobody or with bad fields', async () => {
    const self = await a.call('POST', '/admin/blacklist', { token: adminToken, body: { userId: adminId, reason: 'oops' } });
    expect(self.status).toBe(409);
    expect((await json<{ type: string }>(self)).type).toBe('urn:tessera:problem:conflict');
    const nobody = await a.call('POST', '/admin/blacklist', { token: adminToken, body: { userId: 'no-such-user', reason: 'x' } });
    expect(nobody.status).toBe(404);
    const bad = await a.call('POST', '/admin/blacklist', { token: adminToken, body: { userId: adminId, reason: '', until: 'tomorrow' } });
    expect(bad.status).toBe(400);
    expect((await json<{ errors: { field: string }[] }>(bad)).errors.map((e) => e.field).sort()).toEqual(['reason', 'until']);
    const past = await a.call('POST', '/admin/blacklist', { token: adminToken, body: { userId: adminId, reason: 'x', until: '2001-01-01T00:00:00Z' } });
    expect(past.status).toBe(400);
  });

  it('applies a role change to live sessions at once, and refuses removing the last admin', async () => {
    const user = await signUpAndLogIn(a, 'promoted');
    expect((await b.call('GET', '/admin/users', { token: user.token })).status).toBe(403);
    const grant = await a.call('PUT', `/admin/users/${user.body.user.id}/roles`, { token: adminToken, body: { roles: ['admin'] } });
    expect(grant.status).toBe(200);
    expect((await json<{ user: { roles: string[] } }>(grant)).user.roles).toEqual(['admin']);
    expect((await b.call('GET', '/admin/users', { token: user.token })).status).toBe(200);
    expect((await a.call('PUT', `/admin/users/${user.body.user.id}/roles`, { token: adminToken, body: { roles: [] } })).status).toBe(200);
    expect((await b.call('GET', '/admin/users', { token: user.token })).status).toBe(403);

    const last = await a.call('PUT', `/admin/users/${adminId}/roles`, { token: adminToken, body: { roles: ['support'] } });
    expect(last.status).toBe(409);
    expect((await b.call('GET', '/admin/users', { token: adminToken })).status).toBe(200);
    const invalid = await a.call('PUT', `/admin/users/${adminId}/roles`, { token: adminToken, body: { roles: ['Not A Role'] } });
    expect(invalid.status).toBe(400);
  });

  it('lets only one of two admins demoting each other at once succeed', async () => {
    const other = await signUpAndLogIn(a, 'second-admin');
    await a.call('PUT', `/admin/users/${other.body.user.id}/roles`, { token: adminToken, body: { roles: ['admin'] } });
    const [first, second] = await Promise.all([
      a.call('PUT', `/admin/users/${other.body.user.id}/roles`, { token: adminToken, body: { roles: [] } }),
      b.call('PUT', `/admin/users/${adminId}/roles`, { token: other.token, body: { roles: [] } }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    expect(await redisA.scard(new KeySpace(prefix).admins())).toBe(1);
  });

  it('refuses a search cursor from another query', async () => {
    for (const name of ['cur-1', 'cur-2']) await signUpAndLogIn(a, name);
    const page = await json<{ nextCursor: string }>(await a.call('GET', '/admin/users?query=cur&limit=1', { token: adminToken }));
    expect((await a.call('GET', `/admin/users?query=zzz&cursor=${page.nextCursor}`, { token: adminToken })).status).toBe(400);
  });

  it('finds users by name, page by page, and shows one with its ban state and session count', async () => {
    for (const name of ['alpha-1', 'alpha-2', 'alpha-3', 'beta-1']) await signUpAndLogIn(a, name);
    const first = await json<{ users: { username: string }[]; nextCursor: string }>(
      await a.call('GET', '/admin/users?query=ALPHA&limit=2', { token: adminToken }),
    );
    expect(first.users.map((u) => u.username)).toEqual(['alpha-1', 'alpha-2']);
    const second = await json<{ users: { username: string; id: string }[]; nextCursor: string | null }>(
      await a.call('GET', `/admin/users?query=alpha&limit=2&cursor=${first.nextCursor}`, { token: adminToken }),
    );
    expect(second.users.map((u) => u.username)).toEqual(['alpha-3']);
    expect(second.nextCursor).toBeNull();

    const id = second.users[0].id;
    await logIn(a, 'alpha-3');
    const shown = await json<{ user: Record<string, unknown> }>(await a.call('GET', `/admin/users/${id}`, { token: adminToken }));
    expect(shown.user).toMatchObject({ id, username: 'alpha-3', roles: [], ban: null, sessionCount: 2 });
    expect((await a.call('GET', '/admin/users/nobody', { token: adminToken })).status).toBe(404);
    expect((await a.call('GET', '/admin/users?limit=0', { token: adminToken })).status).toBe(400);
  });

  it('ends any user’s session by its id alone, and all of a user’s sessions', async () => {
    const phone = await signUpAndLogIn(a, 'target');
    const laptop = await logIn(a, 'target');
    const sessions = await json<{ sessions: { id: string }[] }>(await a.call('GET', `/admin/users/${phone.body.user.id}/sessions`, { token: adminToken }));
    expect(sessions.sessions.map((s) => s.id).sort()).toEqual([phone.body.session.id, laptop.body.session.id].sort());
    expect((await b.call('DELETE', `/admin/sessions/${phone.body.session.id}`, { token: adminToken })).status).toBe(204);
    expect((await a.call('GET', '/auth/session', { token: phone.token })).status).toBe(401);
    expect((await a.call('GET', '/auth/session', { token: laptop.token })).status).toBe(200);
    expect((await b.call('DELETE', `/admin/sessions/${phone.body.session.id}`, { token: adminToken })).status).toBe(404);

    const revoked = await b.call('POST', `/admin/users/${phone.body.user.id}/revoke-sessions`, { token: adminToken });
    expect(await revoked.json()).toEqual({ revoked: 1 });
    expect((await a.call('GET', '/auth/session', { token: laptop.token })).status).toBe(401);
  });

  it('refuses every admin endpoint to anonymous callers (401) and non-admins (403)', async () => {
    const user = await signUpAndLogIn(a, 'ordinary');
    const endpoints: [string, string, unknown?][] = [
      ['GET', '/admin/users'],
      ['GET', `/admin/users/${adminId}`],
      ['GET', `/admin/users/${adminId}/sessions`],
      ['POST', `/admin/users/${adminId}/revoke-sessions`],
      ['PUT', `/admin/users/${adminId}/roles`, { roles: [] }],
      ['DELETE', `/admin/sessions/${user.body.session.id}`],
      ['POST', '/admin/blacklist', { userId: adminId, reason: 'coup' }],
      ['GET', '/admin/blacklist'],
      ['DELETE', `/admin/blacklist/${adminId}`],
      ['GET', '/admin/audit'],
    ];
    for (const [method, path, body] of endpoints) {
      const anonymous = await b.call(method, path, { body });
      expect([method, path, anonymous.status]).toEqual([method, path, 401]);
      const ordinary = await b.call(method, path, { body, token: user.token });
      expect([method, path, ordinary.status]).toEqual([method, path, 403]);
      expect((await json<{ type: string }>(ordinary)).type).toBe('urn:tessera:problem:forbidden');
    }
    expect((await a.call('GET', `/admin/users/${adminId}`, { token: adminToken })).status).toBe(200);
    expect((await a.call('GET', '/auth/session', { token: user.token })).status).toBe(200);
  });

  it('records every act and security event in the audit trail, newest first, with its actor and no secrets', async () => {
    const user = await signUpAndLogIn(a, 'audited', 'trail-secret-1');
    await a.call('POST', '/auth/login', { body: { username: 'audited', password: 'wrong-password' } });
    await a.call('POST', '/auth/login', { body: { username: 'no-such-name', password: 'wrong-password' } });
    await a.call('POST', '/auth/password', {
      token: user.token,
      body: { currentPassword: 'trail-secret-1', newPassword: 'trail-secret-2' },
    });
    await a.call('PUT', `/admin/users/${user.body.user.id}/roles`, { token: adminToken, body: { roles: ['support'] } });
    await a.call('POST', '/admin/blacklist', { token: adminToken, body: { userId: user.body.user.id, reason: 'testing' } });
    await a.call('DELETE', `/admin/blacklist/${user.body.user.id}`, { token: adminToken });
    const second = await logIn(a, 'audited', 'trail-secret-2');
    await a.call('DELETE', `/admin/sessions/${second.body.session.id}`, { token: adminToken });
    const third = await logIn(a, 'audited', 'trail-secret-2');
    await a.call('POST', '/auth/logout-all', { token: third.token });

    const entries = await auditTypes();
    const signIns = await auditTypes('sign-in');
    const userId = user.body.user.id;
    expect(signIns).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'user.registered', actor: expect.objectContaining({ id: userId }), outcome: 'success' }),
        expect.objectContaining({ type: 'login.failed', actor: expect.objectContaining({ id: userId }), outcome: 'failure' }),
        expect.objectContaining({ type: 'login.succeeded', actor: expect.objectContaining({ id: userId }), outcome: 'success' }),
        expect.objectContaining({ type: 'login.failed', actor: { id: null, name: null }, outcome: 'failure' }),
        // A user's own acts, however many, never reach the trail.
        expect.objectContaining({ type: 'password.changed', actor: expect.objectContaining({ id: userId }), outcome: 'success' }),
        expect.objectContaining({ type: 'logout-all', actor: expect.objectContaining({ id: userId }) }),
      ]),
    );
    // The trail holds admin acts alone.
    expect(entries.filter((e) => e.actor.id !== adminId && e.actor.id !== 'system')).toEqual([]);
    expect(entries.reverse()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'roles.changed', actor: expect.objectContaining({ id: adminId }), target: userId }),
        expect.objectContaining({ type: 'user.banned', actor: expect.objectContaining({ id: adminId }), target: userId }),
        expect.objectContaining({ type: 'user.unbanned', actor: expect.objectContaining({ id: adminId }), target: userId }),
        expect.objectContaining({ type: 'session.revoked', actor: expect.objectContaining({ id: adminId }), target: second.body.session.id }),
      ]),
    );
    expect(entries.map((e) => e.type)).not.toEqual(expect.arrayContaining(['login.failed']));
    const order = entries.map((e) => e.type);
    expect(order.indexOf('user.banned')).toBeLessThan(order.indexOf('user.unbanned'));

    const streams = await Promise.all([new KeySpace(prefix).audit(), new KeySpace(prefix).signInAudit()].map((key) => redisA.xrange(key, '-', '+')));
    const raw = JSON.stringify(streams);
    for (const secret of ['trail-secret-1', 'wrong-password', 'no-such-name', user.token, second.token, '$2']) {
      expect(raw).not.toContain(secret);
    }
  });

  it('pages the audit trail with a cursor', async () => {
    for (let i = 0; i < 3; i += 1) await logIn(a, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const first = await json<{ entries: { id: string }[]; nextCursor: string }>(
      await a.call('GET', '/admin/audit?stream=sign-in&limit=2', { token: adminToken }),
    );
    const second = await json<{ entries: { id: string }[] }>(
      await a.call('GET', `/admin/audit?stream=sign-in&limit=2&cursor=${first.nextCursor}`, { token: adminToken }),
    );
    expect(first.entries).toHaveLength(2);
    expect(second.entries[0].id < first.entries[1].id).toBe(true);
    expect((await a.call('GET', '/admin/audit?cursor=bm90LWFuLWlk', { token: adminToken })).status).toBe(400);
  });

  it('creates the bootstrap admin once and never overwrites it', async () => {
    const again = await startTestService(redisA, { KEY_PREFIX: prefix, ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'another-password' });
    try {
      await logIn(again, 'root', ADMIN.ADMIN_PASSWORD);
      await expect(logIn(again, 'root', 'another-password')).rejects.toThrow(/401/);
    } finally {
      await again.close();
    }
    const admins = await redisA.smembers(new KeySpace(prefix).admins());
    expect(admins).toEqual([adminId]);
    expect((await keysWithPrefix(redisA, new KeySpace(prefix).username(''))).length).toBeGreaterThan(0);
  });
});
