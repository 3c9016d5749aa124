/**
 * An ioredis error carries the command it answered, arguments included: a script's ARGV can hold
 * a token hash or a password hash. Every error handler logs it scrubbed, even to a logger with no
 * serializers of its own.
 */
import { Writable } from 'node:stream';
import express from 'express';
import { Hono } from 'hono';
import type { Cluster, Redis } from 'ioredis';
import Koa from 'koa';
import pino from 'pino';
import request from 'supertest';
import { problemDetails as expressProblemDetails } from '../../src/adapters/express';
import { problemDetails as honoProblemDetails } from '../../src/adapters/hono';
import { StoreUnavailableError } from '../../src/errors';
import { answerProblem } from '../../src/http/problemAnswer';
import { safeLogger } from '../../src/logging/logger';
import { problemDetails } from '../../src/http/problemDetails';
import { BACKENDS, uniquePrefix } from '../support/backends';

const SECRET = 'argv-secret-5f1c9e0a7b3d';
/** Writes ARGV[1] into a hash: on a key that holds a string, Redis refuses it inside the script. */
const WRITE_SCRIPT = "return redis.call('HSET', KEYS[1], 'field', ARGV[1])";

/** A plain pino logger, without Tessera's serializers, and every line it writes. */
function rawLogger(): { logger: pino.Logger; text(): string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), text: () => lines.join('') };
}

describe('errors from Redis in the logs', () => {
  let redis: Redis | Cluster;
  let key: string;
  let refusal: Error;

  beforeAll(async () => {
    redis = await BACKENDS[0].connect();
    key = `${uniquePrefix()}:holds-a-string`;
    await redis.set(key, 'not a hash');
    refusal = await redis.eval(WRITE_SCRIPT, 1, key, SECRET).then(
      () => new Error('the script was not refused'),
      (error: Error) => error,
    );
  });
  afterAll(async () => {
    await redis.del(key);
    redis.disconnect();
  });

  it('come from a script whose refusal carries its arguments', () => {
    expect(refusal.name).toBe('ReplyError');
    expect(JSON.stringify(refusal)).toContain(SECRET);
  });

  /** Each way the refusal can reach a handler, by the message of its log line: unknown (a 500), and as a 503's cause. */
  const WAYS = ['unhandled error', 'Session store unavailable'];
  const thrown = (way: string): unknown => (way === 'unhandled error' ? refusal : new StoreUnavailableError(refusal));

  function expectScrubbed(log: string, message: string) {
    const line = JSON.parse(log.split('\n').find((entry) => entry.includes(`"msg":"${message}"`)) ?? 'null') as { err?: Record<string, unknown> } | null;
    expect(line?.err).toMatchObject({ type: 'ReplyError', message: expect.stringContaining('WRONGTYPE'), stack: expect.stringContaining('ReplyError') });
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain('HSET');
  }

  it.each(WAYS)('are logged by the Koa problemDetails() without the arguments (%s)', async (message) => {
    const { logger, text } = rawLogger();
    const app = new Koa();
    app.use(problemDetails({ logger }));
    app.use(() => {
      throw thrown(message);
    });
    expect((await request(app.callback()).get('/check')).status).toBeGreaterThanOrEqual(500);
    expectScrubbed(text(), message);
  });

  it('are logged by the Koa problemDetails() under Tessera’s own serializers with their class, code and message', async () => {
    const { logger, text } = rawLogger();
    const app = new Koa();
    app.use(problemDetails({ logger: safeLogger(logger) }));
    app.use(() => {
      throw thrown('unhandled error');
    });
    expect((await request(app.callback()).get('/check')).status).toBe(500);
    expectScrubbed(text(), 'unhandled error');
  });

  it.each(WAYS)('are logged by the Express problemDetails() without the arguments (%s)', async (message) => {
    const { logger, text } = rawLogger();
    const app = express();
    app.get('/check', () => {
      throw thrown(message);
    });
    app.use(expressProblemDetails({ logger }));
    expect((await request(app).get('/check')).status).toBeGreaterThanOrEqual(500);
    expectScrubbed(text(), message);
  });

  it.each(WAYS)('are logged by the Hono problemDetails() without the arguments (%s)', async (message) => {
    const { logger, text } = rawLogger();
    const app = new Hono();
    app.get('/check', () => {
      throw thrown(message);
    });
    app.onError(honoProblemDetails({ logger }));
    expect((await app.request('/check')).status).toBeGreaterThanOrEqual(500);
    expectScrubbed(text(), message);
  });

  it.each(WAYS)('are logged by answerProblem() without the arguments (%s)', (message) => {
    const { logger, text } = rawLogger();
    expect(answerProblem(thrown(message), '/check', logger).status).toBeGreaterThanOrEqual(500);
    expectScrubbed(text(), message);
  });
});
