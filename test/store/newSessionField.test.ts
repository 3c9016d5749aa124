/**
 * Adding a session field: a line in SESSION_TEXT_FIELDS (store/fields.ts), its type in
 * store/records.ts (SessionMetadata and SessionRecord) and its getter in sessions/activeSession.ts,
 * plus its letter in prelude.lua's SESSION table when a script must read it by name. Nothing else:
 * input cleaning, create.lua, writers.lua's writeSession, prelude.lua's sessionReply and decodeSession carry
 * any field of the table. This test adds a throwaway field to the table alone, as that line would,
 * and follows it from create through touch and list.
 */
import type { Cluster, Redis } from 'ioredis';
import type { TouchResult } from '../../src/store/sessionStore';
import { BACKENDS, uniquePrefix } from '../support/backends';

type Fields = typeof import('../../src/store/fields');

describe.each(BACKENDS)('a session field added in fields.ts on $name Redis', (backend) => {
  let redis: Redis | Cluster;

  beforeAll(async () => {
    redis = await backend.connect();
  });
  afterAll(() => redis.quit());

  it('is stored at login and decoded by create, touch and list, trimmed to its length', async () => {
    let modules!: {
      SessionService: typeof import('../../src/sessions/sessionService').SessionService;
      SessionStore: typeof import('../../src/store/sessionStore').SessionStore;
    };
    jest.isolateModules(() => {
      jest.doMock('../../src/store/fields', () => {
        const actual = jest.requireActual<Fields>('../../src/store/fields');
        return { ...actual, SESSION_TEXT_FIELDS: { ...actual.SESSION_TEXT_FIELDS, probe: { field: 'z', maxLength: 8 } } };
      });
      modules = {
        SessionService: jest.requireActual('../../src/sessions/sessionService').SessionService,
        SessionStore: jest.requireActual('../../src/store/sessionStore').SessionStore,
      };
    });
    const store = new modules.SessionStore(redis, (await import('../../src/options')).resolveTesseraOptions({ keyPrefix: uniquePrefix() }));
    const sessions = new modules.SessionService(store);
    const metadata = { ip: '203.0.113.7', probe: 'thumbprint-of-a-key' };

    const created = await sessions.create('user-1', metadata);
    expect(created.session).toMatchObject({ ip: '203.0.113.7', probe: 'thumbpri' });
    const [listed] = (await sessions.list('user-1')).sessions;
    expect(listed).toEqual(created.session);
    const parts = { tag: created.session.id.slice(0, 10), localId: created.session.id.slice(10) };
    const { hashSecretHex, parseToken } = await import('../../src/tokens/token');
    const touched = (await store.touch(parts.tag, parts.localId, hashSecretHex(parseToken(created.token)!.secret))) as TouchResult;
    expect(touched.session.toRecord()).toEqual(created.session);
    expect((touched.session as unknown as Record<string, unknown>).probe).toBe('thumbpri');
  });
});
