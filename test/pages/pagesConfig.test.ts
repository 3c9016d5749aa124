import { loadConfig } from '../../src/config/env';
import { problemsOf } from '../support/configProblems';

describe('the configuration of cookies, pages and introspection', () => {
  it('defaults to no cookie transport, Secure cookies, a 2 h form token and no introspection credential', () => {
    expect(loadConfig({})).toMatchObject({ COOKIE_TRANSPORT: false, COOKIE_SECURE: true, FORM_TOKEN_TTL: 7200 });
    expect(loadConfig({}).PUBLIC_ORIGIN).toBeUndefined();
    expect(loadConfig({}).INTROSPECT_CREDENTIAL).toBeUndefined();
  });

  it('allows a cookie without Secure only on a loopback address', () => {
    expect(loadConfig({ COOKIE_SECURE: 'off', HOST: '127.0.0.1' }).COOKIE_SECURE).toBe(false);
    expect(problemsOf({ COOKIE_SECURE: 'off' })).toEqual([expect.stringMatching(/^COOKIE_SECURE: may be off only for plain-http localhost/)]);
  });

  it('takes PUBLIC_ORIGIN as an origin only', () => {
    expect(loadConfig({ PUBLIC_ORIGIN: 'https://Auth.Example.com:8443' }).PUBLIC_ORIGIN).toBe('https://auth.example.com:8443');
    expect(problemsOf({ PUBLIC_ORIGIN: 'https://auth.example.com/app' })).toEqual(['PUBLIC_ORIGIN: must be an origin only, without a path']);
    expect(problemsOf({ PUBLIC_ORIGIN: 'ftp://auth.example.com' })[0]).toMatch(/^PUBLIC_ORIGIN: must be an http/);
  });

  it('wants a long introspection credential, and a client id a Basic header can carry', () => {
    expect(problemsOf({ INTROSPECT_CREDENTIAL: 'short' })[0]).toMatch(/^INTROSPECT_CREDENTIAL: must be 32-256 characters/);
    expect(problemsOf({ INTROSPECT_CREDENTIAL: 'x'.repeat(31) })).toHaveLength(1);
    expect(loadConfig({}).INTROSPECT_CLIENT_ID).toBe('resource-server');
    for (const refused of ['reports api', 'x'.repeat(65), 'café']) {
      expect(problemsOf({ INTROSPECT_CLIENT_ID: refused })[0]).toMatch(/^INTROSPECT_CLIENT_ID: must be 1-64 visible ASCII characters/);
    }
    expect(loadConfig({ INTROSPECT_CLIENT_ID: 'rs:orders' }).INTROSPECT_CLIENT_ID).toBe('rs:orders');
    expect(loadConfig({ INTROSPECT_CLIENT_ID: 'reports-api' }).INTROSPECT_CLIENT_ID).toBe('reports-api');
  });

  it('wants a long form secret, and keeps it out of Redis when given', () => {
    expect(problemsOf({ FORM_SECRET: 'short' })[0]).toMatch(/^FORM_SECRET: must be 32-256 printable characters/);
    expect(problemsOf({ FORM_SECRET: `${'x'.repeat(20)} ${'y'.repeat(20)}` })).toHaveLength(1);
    expect(loadConfig({ FORM_SECRET: 'k'.repeat(40) }).FORM_SECRET).toBe('k'.repeat(40));
  });
});
