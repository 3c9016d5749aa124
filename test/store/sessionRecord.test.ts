import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Cluster, Command, Redis } from 'ioredis';
import { SessionService } from '../../src/sessions/sessionService';
import * as fields from '../../src/store/fields';
import { DEVICE_KEY_SUFFIX, SPENT_REFRESHES_SUFFIX } from '../../src/store/keys';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { sessionKeyOf } from '../support/keys';

const PRELUDE = readFileSync(path.join(__dirname, '../../src/store/lua/prelude.lua'), 'utf8');
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** The `SESSION = {...}` table of prelude.lua as name -> letter. */
function luaSessionFields(): Record<string, string> {
  const table = /local SESSION = \{([^}]*)\}/.exec(PRELUDE)![1];
  return Object.fromEntries([...table.matchAll(/(\w+) = '([^']*)'/g)].map((match) => [match[1], match[2]]));
}

describe('the session codec shared by Lua and TypeScript', () => {
  it('spells every session field in Lua as fields.ts does', () => {
    expect(luaSessionFields()).toEqual(fields.SESSION_FIELD);
  });

  it('names attributes with the prefix fields.ts uses', () => {
    expect(/local ATTRIBUTE_PREFIX = '([^']*)'/.exec(PRELUDE)![1]).toBe(fields.ATTRIBUTE_PREFIX);
  });

  it('builds the key of spent refresh hashes with the suffix keys.ts uses', () => {
    expect(/local SPENT_SUFFIX = '([^']*)'/.exec(PRELUDE)![1]).toBe(SPENT_REFRESHES_SUFFIX);
  });

  it('builds the key of a session’s browser key with the suffix keys.ts uses', () => {
    expect(/local DEVICE_KEY_SUFFIX = '([^']*)'/.exec(PRELUDE)![1]).toBe(DEVICE_KEY_SUFFIX);
  });

  it('names the session index entries of the user hash with the prefix fields.ts uses', () => {
    expect(/local SEEN = '([^']*)'/.exec(PRELUDE)![1]).toBe(fields.USER_FIELD.sessionSeen);
  });
});

describe.each(BACKENDS)('session replies on $name Redis', (backend) => {
  let redis: Redis | Cluster;
  let prefix: string;
  /** Every script's reply, as the store received it. */
  let replies: unknown[];

  beforeAll(async () => {
    redis = await backend.connect();
    const client = redis as unknown as { sendCommand(command: Command, ...rest: unknown[]): unknown };
    const send = client.sendCommand.bind(client);
    client.sendCommand = (command, ...rest) => {
      const sent = send(command, ...rest);
      if (/^eval/i.test(command.name))
        void command.promise.then(
          (reply: unknown) => replies.push(reply),
          () => undefined,
        );
      return sent;
    };
  });
  afterAll(() => redis.quit());
  beforeEach(() => {
    prefix = uniquePrefix();
    replies = [];
  });

  /** The session envelopes (prelude.lua's sessionReply) anywhere in the replies so far. */
  const envelopes = (): unknown[][] => {
    const found: unknown[][] = [];
    const walk = (value: unknown) => {
      if (!Array.isArray(value)) return;
      if (value.length === 6 && Array.isArray(value[5])) found.push(value);
      else value.forEach(walk);
    };
    replies.forEach(walk);
    return found;
  };

  // Coarse slides: a check right after a login leaves the session as the login wrote it.
  const service = () => new SessionService(redis, { keyPrefix: prefix, idleTimeoutSeconds: 3600, slideGranularityMs: 60_000 });
  const metadata = { device: { type: 'web', name: 'Chrome on macOS' }, ip: '203.0.113.7', userAgent: BROWSER };

  it('decodes create, touch and list of one session, and refresh, to equal records', async () => {
    const sessions = service();
    const created = await sessions.create('user-1', metadata, { remember: true });
    const touched = (await sessions.validate(created.token))!.session.toJSON();
    const [listed] = (await sessions.list('user-1')).sessions;
    expect(touched).toEqual(created.session);
    expect(listed).toEqual(created.session);
    expect(created.session).toMatchObject({ userId: 'user-1', device: metadata.device, ip: metadata.ip, userAgent: BROWSER });
    expect(created.session.rememberedUntil).toEqual(created.refresh!.expiresAt);

    const refreshed = (await sessions.refresh(created.refresh!.token, { ip: '198.51.100.9', userAgent: BROWSER }))!;
    const touchedAfter = (await sessions.validate(refreshed.token))!.session.toJSON();
    const [listedAfter] = (await sessions.list('user-1')).sessions;
    expect(refreshed.session).toMatchObject({ userId: 'user-1', device: metadata.device, ip: '198.51.100.9', userAgent: BROWSER });
    expect(touchedAfter).toEqual(refreshed.session);
    expect(listedAfter).toEqual(refreshed.session);
    // A retry within the grace window is given the session the first answer minted.
    const replayed = (await sessions.refresh(created.refresh!.token, { ip: '198.51.100.9', userAgent: BROWSER }))!;
    expect(replayed.session).toEqual(refreshed.session);
    expect(replayed.token).toBe(refreshed.token);
    // create, touch, list, refresh, touch, list, replay: each answered one envelope.
    expect(envelopes()).toHaveLength(7);
  });

  it('never replies with a session’s secret hash or generation', async () => {
    const sessions = service();
    const created = await sessions.create('user-1', metadata, { remember: true });
    await sessions.setAttribute(created.session.id, 'theme', 'dark');
    await sessions.validate(created.token);
    await sessions.list('user-1');
    const storedHash = async (sessionId: string) => (await redis.hgetBuffer(sessionKeyOf(prefix, sessionId), fields.SESSION_FIELD.secretHash))!;
    const hashes = [await storedHash(created.session.id)];
    const refreshed = (await sessions.refresh(created.refresh!.token, metadata))!;
    await sessions.refresh(created.refresh!.token, metadata);
    hashes.push(await storedHash(refreshed.session.id));
    expect(envelopes()).toHaveLength(5);
    for (const envelope of envelopes()) {
      const names = (envelope[5] as unknown[]).filter((_, i) => i % 2 === 0);
      expect(names).not.toContain(fields.SESSION_FIELD.secretHash);
      expect(names).not.toContain(fields.SESSION_FIELD.generation);
      expect(names).toContain(fields.SESSION_FIELD.created);
    }
    // Nor anywhere else in any reply: the stored hashes, as the client decodes replies.
    for (const hash of hashes) {
      expect(hash).toHaveLength(16);
      expect(JSON.stringify(replies)).not.toContain(JSON.stringify(hash.toString()).slice(1, -1));
    }
  });
});
