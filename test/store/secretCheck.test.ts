/**
 * The token check sends the secret's hash as hex while sessions keep it as 16 raw bytes (as every
 * session stored so far does): touch.lua must match the two exactly, every one of the 32 digits.
 */
import type { Cluster, Redis } from 'ioredis';
import { resolveTesseraOptions } from '../../src/options';
import { SessionService } from '../../src/sessions/sessionService';
import { SessionStore } from '../../src/store/sessionStore';
import { hashSecret, hashSecretHex, parseToken } from '../../src/tokens/token';
import { BACKENDS, uniquePrefix } from '../support/backends';

describe.each(BACKENDS)('the secret check of a token on $name Redis', (backend) => {
  let redis: Redis | Cluster;
  let store: SessionStore;
  let sessions: SessionService;

  beforeAll(async () => {
    redis = await backend.connect();
    store = new SessionStore(redis, resolveTesseraOptions({ keyPrefix: uniquePrefix() }));
    sessions = new SessionService(store);
  });
  afterAll(() => redis.quit());

  async function login() {
    const { token } = await sessions.create('user-1', { ip: '203.0.113.7' });
    const parsed = parseToken(token)!;
    return { parsed, hex: hashSecretHex(parsed.secret) };
  }

  it('sends the stored bytes in hex', () => {
    expect(hashSecretHex('a secret')).toBe(hashSecret('a secret').toString('hex'));
  });

  it('accepts the hash of the right secret against the bytes stored at login', async () => {
    const { parsed, hex } = await login();
    expect(await store.touch(parsed.tag, parsed.localId, hex)).not.toBeNull();
  });

  it.each([0, 7, 8, 15, 16, 31])('refuses a hash that differs in digit %i alone, and keeps the session', async (digit) => {
    const { parsed, hex } = await login();
    const wrong = hex.slice(0, digit) + (hex[digit] === '0' ? '1' : '0') + hex.slice(digit + 1);
    expect(await store.touch(parsed.tag, parsed.localId, wrong)).toBeNull();
    expect(await store.touch(parsed.tag, parsed.localId, hex)).not.toBeNull();
  });

  it('refuses the hash in upper case, a prefix of it, and the raw bytes', async () => {
    const { parsed, hex } = await login();
    for (const wrong of [hex.toUpperCase(), hex.slice(0, 24), hashSecret(parsed.secret).toString('latin1')]) {
      if (wrong === hex) continue;
      expect(await store.touch(parsed.tag, parsed.localId, wrong)).toBeNull();
    }
    expect(await store.touch(parsed.tag, parsed.localId, hex)).not.toBeNull();
  });
});
