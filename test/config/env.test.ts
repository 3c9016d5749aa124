import { loadConfig } from '../../src/config/env';
import { problemsOf } from '../support/configProblems';
import { resolveTesseraOptions } from '../../src/options';
import { sessionOptionsFrom } from '../../src/server/core';

describe('configuration from the environment', () => {
  it('defaults everything for a plain start', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, BCRYPT_COST: 12, SIGNUP: true });
    expect([config.MAX_SESSIONS_PER_USER, config.REDIS_URL, config.REDIS_CLUSTER_NODES]).toEqual([undefined, undefined, undefined]);
    // Session settings left unset take the library's defaults.
    expect(resolveTesseraOptions(sessionOptionsFrom(config))).toMatchObject({
      keyPrefix: 'tessera',
      idleTimeoutSeconds: 1800,
      absoluteLifetimeSeconds: 604_800,
      maxSessionsPerUser: Infinity,
    });
  });

  it('reads durations as seconds or with a unit', () => {
    expect(loadConfig({ SESSION_IDLE_TIMEOUT: '90', SESSION_ABSOLUTE_TIMEOUT: '12h' })).toMatchObject({
      SESSION_IDLE_TIMEOUT: 90,
      SESSION_ABSOLUTE_TIMEOUT: 43_200,
    });
    expect(loadConfig({ SESSION_IDLE_TIMEOUT: '500ms' }).SESSION_IDLE_TIMEOUT).toBe(0.5);
  });

  it('reads a cluster node list', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001' }).REDIS_CLUSTER_NODES).toEqual([
      '10.0.0.1:7000',
      '10.0.0.2:7001',
    ]);
  });

  it('names every variable to fix, with what it must be', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      SESSION_IDLE_TIMEOUT: 'soon',
      BCRYPT_COST: '31',
      SIGNUP: 'maybe',
      REDIS_CLUSTER_NODES: 'localhost',
      KEY_PREFIX: 'has{brace}',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: must be a whole number/),
        expect.stringMatching(/^SESSION_IDLE_TIMEOUT: must be seconds or a duration like 30m/),
        expect.stringMatching(/^BCRYPT_COST: must be at most 15/),
        expect.stringMatching(/^SIGNUP: must be on or off/),
        expect.stringMatching(/^REDIS_CLUSTER_NODES\.0: must be host:port/),
        expect.stringMatching(/^KEY_PREFIX: must be 1-64 letters/),
      ]),
    );
  });

  it('refuses an idle timeout longer than the absolute lifetime, and two Redis targets', () => {
    expect(problemsOf({ SESSION_IDLE_TIMEOUT: '2d', SESSION_ABSOLUTE_TIMEOUT: '1d' })).toEqual([
      'SESSION_IDLE_TIMEOUT: must not be longer than SESSION_ABSOLUTE_TIMEOUT',
    ]);
    expect(problemsOf({ REDIS_URL: 'redis://localhost:6379', REDIS_CLUSTER_NODES: 'a:1' })).toEqual([
      'REDIS_URL: set REDIS_URL or REDIS_CLUSTER_NODES, not both',
    ]);
    expect(problemsOf({ REDIS_URL: 'http://localhost' })).toEqual(['REDIS_URL: must be a redis:// or rediss:// URL']);
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({ PORT: '', REDIS_URL: '' });
    expect([config.PORT, config.REDIS_URL]).toEqual([3000, undefined]);
  });
});
