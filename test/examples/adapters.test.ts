/** The Express and Hono examples run the framework-free core against the real Redis. */
import request from 'supertest';
import { waitUntilReady } from '../../src';

type Example = typeof import('../../examples/express') | typeof import('../../examples/hono');

/** Loads an example once the Redis it reads from REDIS_URL is known. */
function loadExample<T extends Example>(load: () => T): T {
  process.env.REDIS_URL = `redis://127.0.0.1:${process.env.TESSERA_TEST_REDIS_PORT}`;
  return load();
}

describe('the Express example', () => {
  const example = loadExample(() => require('../../examples/express') as typeof import('../../examples/express'));
  beforeAll(() => waitUntilReady(example.redis));
  afterAll(() => example.redis.quit());

  it('lets in a live token and slides it, and answers problem+json without one', async () => {
    const { token } = (await request(example.app).post('/login')).body;
    const me = await request(example.app).get('/me').set('Authorization', `Bearer ${token}`);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: 'user-1' });
    expect(Date.parse(me.headers['session-expires'])).toBeGreaterThan(Date.now());

    const none = await request(example.app).get('/me');
    expect([none.status, none.headers['content-type'], none.headers['www-authenticate']]).toEqual([401, 'application/problem+json; charset=utf-8', 'Bearer realm="tessera"']);
    expect(none.body.type).toBe('urn:tessera:problem:unauthenticated');

    await example.tessera.revokeAll('user-1');
    const revoked = await request(example.app).get('/me').set('Authorization', `Bearer ${token}`);
    expect([revoked.status, JSON.parse(revoked.text).type]).toEqual([401, 'urn:tessera:problem:invalid-token']);
  });
});

describe('the Hono example', () => {
  const example = loadExample(() => require('../../examples/hono') as typeof import('../../examples/hono'));
  beforeAll(() => waitUntilReady(example.redis));
  afterAll(() => example.redis.quit());

  it('lets in a live token and slides it, and answers problem+json without one', async () => {
    const { token } = (await (await example.app.request('/login', { method: 'POST' })).json()) as { token: string };
    const me = await example.app.request('/me', { headers: { Authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ id: 'user-1' });
    expect(Date.parse(me.headers.get('session-expires') ?? '')).toBeGreaterThan(Date.now());

    const none = await example.app.request('/me');
    expect([none.status, none.headers.get('content-type'), none.headers.get('www-authenticate')]).toEqual([401, 'application/problem+json', 'Bearer realm="tessera"']);
    expect(((await none.json()) as { type: string }).type).toBe('urn:tessera:problem:unauthenticated');

    await example.tessera.revokeAll('user-1');
    const revoked = await example.app.request('/me', { headers: { Authorization: `Bearer ${token}` } });
    expect([revoked.status, ((await revoked.json()) as { type: string }).type]).toEqual([401, 'urn:tessera:problem:invalid-token']);
  });
});
