/**
 * Session lists page by cursor over a stable order (creation time, then id), on real standalone
 * Redis and a real Cluster: sessions used between pages do not move, so no page skips or repeats one.
 */
import { TesseraArgumentError } from '../../src/errors';
import type { TesseraOptions } from '../../src/options';
import type { SessionService } from '../../src/sessions/sessionService';
import type { CreatedSession } from '../../src/sessions/types';
import { BACKENDS } from '../support/backends';
import { useService, useSessionServices } from '../support/serviceFixture';
import { logIn, signUpAndLogIn } from '../support/service';

describe.each(BACKENDS)('paging session lists on $name Redis', (backend) => {
  const suite = useSessionServices(backend);
  const service = (options: TesseraOptions = {}) => suite.service({ maxSessionsPerUser: 1000, slideGranularityMs: 0, ...options });

  async function createMany(sessions: SessionService, userId: string, count: number): Promise<CreatedSession[]> {
    const created: CreatedSession[] = [];
    // In batches: many share a millisecond, so the id must order them.
    for (let i = 0; i < count; i += 20) created.push(...(await Promise.all(Array.from({ length: Math.min(20, count - i) }, () => sessions.create(userId)))));
    return created;
  }

  it('pages through 100 sessions while they are in use, and sees each exactly once', async () => {
    const sessions = service();
    const created = await createMany(sessions, 'user-1', 100);
    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    do {
      const page = await sessions.list('user-1', { cursor, limit: 7 });
      seen.push(...page.sessions.map((s) => s.id));
      expect(page.total).toBe(100);
      // Between pages, sessions on both sides of the cursor are used: the last-used order churns.
      await Promise.all([created[(round * 13) % 100], created[(round * 29 + 5) % 100], created[99 - round]].map((c) => sessions.validate(c.token)));
      cursor = page.nextCursor;
      round += 1;
    } while (cursor !== null);
    expect(seen).toHaveLength(100);
    expect(new Set(seen)).toEqual(new Set(created.map((c) => c.session.id)));
  });

  it('lists oldest first, and shows a session started while paging once, at the end', async () => {
    const sessions = service();
    const created = await createMany(sessions, 'user-2', 12);
    const first = await sessions.list('user-2', { limit: 5 });
    const late = await sessions.create('user-2');
    const ended = created.find((c) => !first.sessions.some((s) => s.id === c.session.id))!.session.id;
    await sessions.revoke(ended);
    const rest: string[] = [];
    let cursor = first.nextCursor;
    while (cursor !== null) {
      const page = await sessions.list('user-2', { cursor, limit: 5 });
      rest.push(...page.sessions.map((s) => s.id));
      cursor = page.nextCursor;
    }
    const all = [...first.sessions.map((s) => s.id), ...rest];
    expect(all.at(-1)).toBe(late.session.id);
    expect(all).not.toContain(ended);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(12);
    const times = (await sessions.list('user-2')).sessions.map((s) => s.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('refuses a cursor it did not give, and a cursor with an offset', async () => {
    const sessions = service();
    await sessions.create('user-3');
    await sessions.create('user-3');
    await expect(sessions.list('user-3', { cursor: 'bm90IGEgY3Vyc29y' })).rejects.toThrow(TesseraArgumentError);
    const { nextCursor } = await sessions.list('user-3', { limit: 1 });
    await expect(sessions.list('user-3', { cursor: nextCursor, offset: 1 })).rejects.toThrow('Give a cursor or an offset, not both.');
  });
});

describe.each(BACKENDS)('GET /auth/sessions paging on $name Redis', (backend) => {
  const suite = useService(backend, { MAX_SESSIONS_PER_USER: '100' });

  it('follows nextCursor to the end while the sessions are used, seeing each once; a foreign cursor is a 400', async () => {
    const first = await signUpAndLogIn(suite.service, 'pager');
    const others = [];
    for (let i = 0; i < 24; i += 1) others.push(await logIn(suite.service, 'pager'));
    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    do {
      const query = cursor ? `?limit=10&cursor=${cursor}` : '?limit=10';
      const response = await suite.service.call('GET', `/auth/sessions${query}`, { token: first.token });
      expect(response.status).toBe(200);
      const page = (await response.json()) as { sessions: { id: string }[]; nextCursor: string | null; total: number };
      seen.push(...page.sessions.map((s) => s.id));
      await suite.service.call('GET', '/auth/session', { token: others[(round * 7) % 24].token });
      cursor = page.nextCursor;
      round += 1;
    } while (cursor !== null);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);

    const foreign = await suite.service.call('GET', '/auth/sessions?cursor=MTAw', { token: first.token });
    expect(foreign.status).toBe(400);
  });
});
