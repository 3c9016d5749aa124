import { availableParallelism } from 'node:os';
import { loadConfig, workersOf } from '../../src/config/env';
import { problemsOf } from '../support/configProblems';
import { resolveTesseraOptions } from '../../src/options';
import { sessionOptionsFrom, throttleOptionsFrom } from '../../src/server/core';
import { configuredRedis } from '../../src/config/redisTarget';

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
      maxSessionsPerUser: 100,
    });
    expect(config).toMatchObject({ RATE_LIMITS: true, LOGIN_FREE_TRIES: 5, LOGIN_FAILURES_PER_ADDRESS: 100, PASSWORD_QUEUE_LIMIT: 32 });
  });

  it('takes the HTTP timeouts as durations, the headers’ no longer than the whole request’s', () => {
    expect(loadConfig({})).toMatchObject({ HEADERS_TIMEOUT: 10, REQUEST_TIMEOUT: 30 });
    expect(loadConfig({ HEADERS_TIMEOUT: '5s', REQUEST_TIMEOUT: '1m' })).toMatchObject({ HEADERS_TIMEOUT: 5, REQUEST_TIMEOUT: 60 });
    expect(problemsOf({ HEADERS_TIMEOUT: '40s' })).toEqual(['HEADERS_TIMEOUT: must not be longer than REQUEST_TIMEOUT, which includes the headers']);
    expect(problemsOf({ REQUEST_TIMEOUT: 'soon' })[0]).toMatch(/^REQUEST_TIMEOUT: must be seconds or a duration/);
  });

  it('takes an unlimited session cap only when asked for by name', () => {
    expect(resolveTesseraOptions(sessionOptionsFrom(loadConfig({ MAX_SESSIONS_PER_USER: 'unlimited' }))).maxSessionsPerUser).toBe(Infinity);
    expect(loadConfig({ MAX_SESSIONS_PER_USER: '5' }).MAX_SESSIONS_PER_USER).toBe(5);
    expect(problemsOf({ MAX_SESSIONS_PER_USER: '0' })).toEqual([expect.stringMatching(/^MAX_SESSIONS_PER_USER: /)]);
  });

  it('refuses a first lockout longer than the longest', () => {
    expect(problemsOf({ LOGIN_LOCKOUT: '2h', LOGIN_LOCKOUT_MAX: '1h' })).toEqual(['LOGIN_LOCKOUT: must not be longer than LOGIN_LOCKOUT_MAX']);
    expect(problemsOf({ RATE_LIMITS: 'maybe' })).toEqual(['RATE_LIMITS: must be on or off']);
  });

  it('reads durations as seconds or with a unit', () => {
    expect(loadConfig({ SESSION_IDLE_TIMEOUT: '90', SESSION_ABSOLUTE_TIMEOUT: '12h' })).toMatchObject({
      SESSION_IDLE_TIMEOUT: 90,
      SESSION_ABSOLUTE_TIMEOUT: 43_200,
    });
    expect(loadConfig({ SESSION_IDLE_TIMEOUT: '500ms' }).SESSION_IDLE_TIMEOUT).toBe(0.5);
  });

  it("reads the slide granularity, defaulting to the library's and refusing one not shorter than the idle timeout", () => {
    expect(resolveTesseraOptions(sessionOptionsFrom(loadConfig({}))).slideGranularityMs).toBe(1000);
    expect(resolveTesseraOptions(sessionOptionsFrom(loadConfig({ SESSION_IDLE_TIMEOUT: '2s' }))).slideGranularityMs).toBe(200);
    expect(resolveTesseraOptions(sessionOptionsFrom(loadConfig({ SESSION_SLIDE_GRANULARITY: '250ms' }))).slideGranularityMs).toBe(250);
    expect(resolveTesseraOptions(sessionOptionsFrom(loadConfig({ SESSION_SLIDE_GRANULARITY: '0' }))).slideGranularityMs).toBe(0);
    expect(problemsOf({ SESSION_SLIDE_GRANULARITY: 'often' })).toEqual([
      'SESSION_SLIDE_GRANULARITY: must be 0 or a duration in whole milliseconds, like 1s or 250ms; got "often"',
    ]);
    expect(problemsOf({ SESSION_SLIDE_GRANULARITY: '5s', SESSION_IDLE_TIMEOUT: '5s' })).toEqual([
      'SESSION_SLIDE_GRANULARITY: must be shorter than SESSION_IDLE_TIMEOUT',
    ]);
  });

  it('reads WORKERS, one per core by default with or without metrics, and takes any number beside METRICS_PORT', () => {
    expect(workersOf(loadConfig({}))).toBe(availableParallelism());
    expect(workersOf(loadConfig({ WORKERS: '3' }))).toBe(3);
    expect(workersOf(loadConfig({ METRICS_PORT: '9100' }))).toBe(availableParallelism());
    expect(workersOf(loadConfig({ WORKERS: '2', METRICS_PORT: '9100' }))).toBe(2);
    expect(problemsOf({ WORKERS: '0' })).toEqual(['WORKERS: must be at least 1']);
  });

  it('reads TRUST_PROXY as a count of trusted proxy hops', () => {
    expect(['off', 'on', '2'].map((TRUST_PROXY) => loadConfig({ TRUST_PROXY }).TRUST_PROXY)).toEqual([0, 1, 2]);
    expect(loadConfig({}).TRUST_PROXY).toBe(0);
    expect(problemsOf({ TRUST_PROXY: 'yes-please' })).toEqual([expect.stringMatching(/^TRUST_PROXY: must be off, on .*number of proxies/)]);
    expect(problemsOf({ TRUST_PROXY: '11' })).toHaveLength(1);
  });

  it('reads IPV6_SUBNET as prefix bits, 64 by default, refusing one shorter than /16', () => {
    expect(loadConfig({}).IPV6_SUBNET).toBe(64);
    expect(throttleOptionsFrom(loadConfig({ IPV6_SUBNET: '48' })).ipv6SubnetBits).toBe(48);
    expect(problemsOf({ IPV6_SUBNET: '8' })).toEqual(['IPV6_SUBNET: must be at least 16']);
    expect(problemsOf({ IPV6_SUBNET: '129' })).toEqual(['IPV6_SUBNET: must be at most 128']);
    expect(problemsOf({ IPV6_SUBNET: '/64' })).toEqual(['IPV6_SUBNET: must be a whole number from 16 to 128']);
  });

  it('reads DBSC, on by default, and its window, 10 minutes by default, from 10s to 1h', () => {
    expect(loadConfig({})).toMatchObject({ DBSC: true, DBSC_WINDOW: 600 });
    expect(loadConfig({ DBSC: 'off', DBSC_WINDOW: '2m' })).toMatchObject({ DBSC: false, DBSC_WINDOW: 120 });
    expect(problemsOf({ DBSC_WINDOW: '5s' })).toEqual(['DBSC_WINDOW: must be whole seconds from 10s to 60m, like 10m; got "5s"']);
    expect(problemsOf({ DBSC_WINDOW: '2h' })).toEqual(['DBSC_WINDOW: must be whole seconds from 10s to 60m, like 10m; got "2h"']);
  });

  it('reads a cluster node list', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001' }).REDIS_CLUSTER_NODES).toEqual(['10.0.0.1:7000', '10.0.0.2:7001']);
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
        'REDIS_CLUSTER_NODES: must be a comma-separated list of host:port; "localhost" is not',
        expect.stringMatching(/^KEY_PREFIX: must be 1-64 letters/),
      ]),
    );
  });

  it('refuses an idle timeout longer than the absolute lifetime, and two Redis targets', () => {
    expect(problemsOf({ SESSION_IDLE_TIMEOUT: '2d', SESSION_ABSOLUTE_TIMEOUT: '1d' })).toEqual([
      'SESSION_IDLE_TIMEOUT: must not be longer than SESSION_ABSOLUTE_TIMEOUT',
    ]);
    expect(problemsOf({ REDIS_URL: 'redis://localhost:6379', REDIS_CLUSTER_NODES: 'a:1' })).toEqual([
      'REDIS_URL: set one of REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (or none, for the embedded Redis)',
    ]);
    expect(problemsOf({ REDIS_URL: 'http://localhost' })).toEqual(['REDIS_URL: must be a redis:// or rediss:// URL']);
  });

  it('reads Sentinel settings, and refuses them beside another Redis or half given', () => {
    const config = loadConfig({ REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_MASTER: 'tessera', REDIS_SENTINEL_PASSWORD: 'x', REDIS_PASSWORD: 'y' });
    expect(configuredRedis(config)).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      masterName: 'tessera',
      sentinelPassword: 'x',
      password: 'y',
    });
    expect(problemsOf({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_MASTER: 'm', REDIS_CLUSTER_NODES: 'a:1' })).toEqual([
      'REDIS_URL: set one of REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (or none, for the embedded Redis)',
    ]);
    expect(problemsOf({ REDIS_SENTINELS: 's1:26379' })).toEqual(['REDIS_SENTINEL_MASTER: set REDIS_SENTINELS and REDIS_SENTINEL_MASTER together']);
    expect(problemsOf({ REDIS_SENTINELS: 's1', REDIS_SENTINEL_MASTER: 'm' })).toEqual([
      'REDIS_SENTINELS: must be a comma-separated list of host:port; "s1" is not',
    ]);
    expect(problemsOf({ REDIS_SENTINEL_PASSWORD: 'x' })).toEqual(['REDIS_SENTINEL_PASSWORD: is only used with REDIS_SENTINELS']);
    expect(problemsOf({ REDIS_URL: 'redis://localhost:6379', REDIS_PASSWORD: 'y' })).toEqual([
      'REDIS_PASSWORD: is for REDIS_SENTINELS or REDIS_CLUSTER_NODES; with REDIS_URL put it in the URL',
    ]);
  });

  it('confirms security writes on 1 replica by default with Sentinel, on none otherwise, and within DURABLE_TIMEOUT', () => {
    const sentinel = { REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_MASTER: 'm' };
    expect(resolveTesseraOptions(sessionOptionsFrom(loadConfig({})))).toMatchObject({ durableReplicas: 0, durableTimeoutMs: 500 });
    expect(resolveTesseraOptions(sessionOptionsFrom(loadConfig(sentinel)))).toMatchObject({ durableReplicas: 1 });
    expect(sessionOptionsFrom(loadConfig({ ...sentinel, DURABLE_REPLICAS: '0' })).durableReplicas).toBe(0);
    expect(sessionOptionsFrom(loadConfig({ REDIS_CLUSTER_NODES: 'a:1', DURABLE_REPLICAS: '2', DURABLE_TIMEOUT: '1.5s' }))).toMatchObject({
      durableReplicas: 2,
      durableTimeoutMs: 1500,
    });
    expect(problemsOf({ DURABLE_REPLICAS: '-1', DURABLE_TIMEOUT: '1h' })).toEqual([
      'DURABLE_REPLICAS: must be a whole number from 0 to 16',
      'DURABLE_TIMEOUT: must be a duration from 10ms to 10s, like 500ms; got "1h"',
    ]);
  });

  it('names the allowed values, and the bad entry rather than its position', () => {
    expect(problemsOf({ AUDIT_MAX_ENTRIES: '-5', LOG_LEVEL: 'loud', REDIS_CLUSTER_NODES: 'a:1, foo' })).toEqual([
      'REDIS_CLUSTER_NODES: must be a comma-separated list of host:port; "foo" is not',
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
      'AUDIT_MAX_ENTRIES: must be a whole number from 100 to 10000000',
    ]);
  });

  it('reads the metrics port and the event stream settings', () => {
    expect(loadConfig({}).METRICS_PORT).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464', EVENT_STREAM: 'on' })).toMatchObject({
      METRICS_PORT: 9464,
      EVENT_STREAM: true,
      EVENT_STREAM_MAX_ENTRIES: 100_000,
    });
    expect(resolveTesseraOptions(sessionOptionsFrom(loadConfig({}))).eventStreamMaxEntries).toBe(0);
    expect(resolveTesseraOptions(sessionOptionsFrom(loadConfig({ EVENT_STREAM: 'on', EVENT_STREAM_MAX_ENTRIES: '5000' }))).eventStreamMaxEntries).toBe(5000);
    expect(problemsOf({ METRICS_PORT: '3000' })).toEqual(['METRICS_PORT: must differ from PORT: the metrics have a listener of their own']);
    expect(problemsOf({ METRICS_PORT: 'prometheus', EVENT_STREAM: 'yes', EVENT_STREAM_MAX_ENTRIES: '10' })).toEqual([
      'METRICS_PORT: must be a whole number from 0 to 65535',
      'EVENT_STREAM: must be on or off',
      'EVENT_STREAM_MAX_ENTRIES: must be at least 1000',
    ]);
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({ PORT: '', REDIS_URL: '' });
    expect([config.PORT, config.REDIS_URL]).toEqual([3000, undefined]);
  });

  it('reads CORS_ORIGINS as exact origins, none when unset, and names each entry that is not one', () => {
    expect(loadConfig({}).CORS_ORIGINS).toBeUndefined();
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).CORS_ORIGINS).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(
      problemsOf({
        CORS_ORIGINS: 'https://app.example.com/,https://app.example.com/login,*,app.example.com,ftp://files.example.com,https://App.Example.com:443',
      }),
    ).toEqual([
      'CORS_ORIGINS: "https://app.example.com/" is not written as browsers send it: write "https://app.example.com"',
      'CORS_ORIGINS: "https://app.example.com/login" has a path; an origin is scheme://host[:port] only, such as "https://app.example.com"',
      'CORS_ORIGINS: "*" would let every site read the answers; list each origin',
      'CORS_ORIGINS: "app.example.com" is not an origin such as https://app.example.com',
      'CORS_ORIGINS: "ftp://files.example.com" must start with https:// or http://',
      'CORS_ORIGINS: "https://App.Example.com:443" is not written as browsers send it: write "https://app.example.com"',
    ]);
    expect(problemsOf({ CORS_ORIGINS: ' , ' })).toEqual(['CORS_ORIGINS: must list at least one origin such as https://app.example.com, or be unset']);
  });
});
