import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { InvalidTokenError, ServerBusyError, SessionEndedError, StoreUnavailableError, ValidationError } from '../../src/errors';
import { problemDetails, type ProblemLogger } from '../../src/http/problemDetails';
import { jsonBodyParser } from '../../src/http/requestInput';

/** An app whose routes fail in each way problemDetails must answer, with a logger that keeps what it is told. */
function appThatFails(htmlFor?: (status: number) => string | null, busyLogWindowMs?: number) {
  const logged: { level: string; message: string; err?: unknown; busyAnswers?: number; windowSeconds?: number }[] = [];
  const logger: ProblemLogger = {
    warn: (record, message) => logged.push({ level: 'warn', message, ...record }),
    error: ({ err }, message) => logged.push({ level: 'error', message, err }),
  };
  const router = new Router();
  router.get('/invalid', () => {
    throw new ValidationError([{ field: 'name', message: 'is required' }]);
  });
  router.get('/token', () => {
    throw new InvalidTokenError();
  });
  router.get('/ended', () => {
    throw new SessionEndedError();
  });
  router.get('/corrupt', () => {
    // What a stored attribute that does not parse throws, long after the body was read.
    return JSON.parse('{"theme":');
  });
  router.get('/down', () => {
    throw new StoreUnavailableError(new Error('connect ECONNREFUSED'));
  });
  router.get('/bug', () => {
    throw new Error('internal detail: SELECT * FROM secrets');
  });
  router.get('/busy', () => {
    throw new ServerBusyError(1);
  });
  router.post('/bug', () => {
    throw new Error('internal detail after the body was read');
  });
  router.post('/echo', (ctx) => {
    ctx.body = ctx.request.body;
  });
  const app = new Koa();
  app.silent = true;
  app.use(problemDetails({ logger, bodyLimitBytes: 64, htmlFor: htmlFor && ((_ctx, status) => htmlFor(status)), busyLogWindowMs }));
  app.use(jsonBodyParser(64));
  app.use(router.routes()).use(router.allowedMethods());
  return { agent: request(app.callback()), logged };
}

describe('problemDetails', () => {
  it('answers a Tessera error as problem+json with its type, status, detail and extra members', async () => {
    const { agent } = appThatFails();
    const answer = await agent.get('/invalid');
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).toEqual({
      type: 'urn:tessera:problem:invalid-request',
      title: 'Invalid request',
      status: 400,
      detail: 'name: is required',
      instance: '/invalid',
      errors: [{ field: 'name', message: 'is required' }],
    });
  });

  it('sends the headers an error carries', async () => {
    const answer = await appThatFails().agent.get('/token');
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="tessera", error="invalid_token"');
  });

  it('answers the core’s ended-session error with the challenge the core itself never carries', async () => {
    expect(new SessionEndedError().headers).toEqual({});
    const answer = await appThatFails().agent.get('/ended');
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="tessera", error="invalid_token"');
    expect(answer.body).toMatchObject({ type: 'urn:tessera:problem:invalid-token' });
  });

  it('answers a SyntaxError from anywhere but the body parser as a server fault, not as malformed JSON', async () => {
    const { agent, logged } = appThatFails();
    const answer = await agent.get('/corrupt');
    expect(answer.status).toBe(500);
    expect(answer.body.type).not.toBe('urn:tessera:problem:malformed-json');
    expect(logged).toHaveLength(1);
  });

  it('answers unknown routes 404 and unknown methods 405 with Allow', async () => {
    const { agent } = appThatFails();
    expect((await agent.get('/nowhere')).body).toMatchObject({ type: 'urn:tessera:problem:not-found', status: 404 });
    const wrongMethod = await agent.delete('/invalid');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toContain('GET');
  });

  it('turns body-parser failures into 400, 413 and 415 problems', async () => {
    const { agent } = appThatFails();
    const malformed = await agent.post('/echo').set('content-type', 'application/json').send('{"a":');
    expect(malformed.body).toMatchObject({ type: 'urn:tessera:problem:malformed-json', status: 400 });
    const large = await agent.post('/echo').send({ text: 'x'.repeat(200) });
    expect(large.body).toMatchObject({ type: 'urn:tessera:problem:payload-too-large', status: 413, detail: 'The request body must be at most 64 bytes.' });
    const encoded = await agent.post('/echo').set('content-type', 'application/json').set('content-encoding', 'br-nope').send('{}');
    expect(encoded.body).toMatchObject({ type: 'urn:tessera:problem:unsupported-media-type', status: 415 });
    const corrupt = await agent.post('/echo').set('content-type', 'application/json').set('content-encoding', 'gzip').send('not gzip');
    expect(corrupt.status).toBe(400);
    expect(corrupt.body).toMatchObject({
      type: 'urn:tessera:problem:invalid-request',
      detail: 'body: could not be decoded as its Content-Encoding says',
      errors: [{ field: 'body', message: 'could not be decoded as its Content-Encoding says' }],
    });
  });

  it('answers 400 for every body that is not what its Content-Encoding says, brotli included', async () => {
    const { agent } = appThatFails();
    const json = Buffer.from('{"a":"b"}');
    const bodies: [string, string, Buffer][] = [
      ['br', 'application/json', Buffer.from('not brotli at all')],
      ['br', 'application/json', Buffer.alloc(100)],
      ['br', 'application/json', brotliCompressSync(json).subarray(0, 3)],
      ['br', 'application/x-www-form-urlencoded', Buffer.alloc(40, 255)],
      ['gzip', 'application/json', gzipSync(json).subarray(0, 12)],
      ['deflate', 'application/json', Buffer.from('not deflate')],
    ];
    // supertest would send a Buffer as JSON text: these bytes go as they are.
    const raw = (encoding: string, type: string, body: Buffer) =>
      agent
        .post('/echo')
        .set('content-type', type)
        .set('content-encoding', encoding)
        .serialize((bytes: Buffer) => bytes as unknown as string)
        .send(body);
    for (const [encoding, type, body] of bodies) {
      const answer = await raw(encoding, type, body);
      expect({ encoding, status: answer.status, type: answer.body.type }).toEqual({ encoding, status: 400, type: 'urn:tessera:problem:invalid-request' });
      expect(answer.body.errors).toEqual([{ field: 'body', message: 'could not be decoded as its Content-Encoding says' }]);
    }
    const good = await raw('br', 'application/json', brotliCompressSync(json));
    expect(good.body).toEqual({ a: 'b' });
  });

  it('still answers 500 for a route that fails after reading its body', async () => {
    const { agent, logged } = appThatFails();
    expect((await agent.post('/bug').set('content-type', 'application/json').send('{}')).status).toBe(500);
    expect(logged).toHaveLength(1);
  });

  it('answers a store fault 503 and logs its cause as a warning', async () => {
    const { agent, logged } = appThatFails();
    const answer = await agent.get('/down');
    expect(answer.body).toMatchObject({ type: 'urn:tessera:problem:store-unavailable', status: 503 });
    expect(logged).toEqual([
      { level: 'warn', message: 'Session store unavailable', path: '/down', err: expect.objectContaining({ message: 'connect ECONNREFUSED' }) },
    ]);
  });

  it('logs a burst of busy answers as one line, never a stack trace each', async () => {
    const { agent, logged } = appThatFails(undefined, 3_600_000);
    const answers = await Promise.all(Array.from({ length: 50 }, () => agent.get('/busy')));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([503]));
    expect(answers[0].headers['retry-after']).toBe('1');
    expect(logged).toEqual([{ level: 'warn', message: 'Server busy: password work refused with 503', busyAnswers: 1, windowSeconds: 0 }]);
  });

  it('answers an unknown error 500 without its message, and logs it as an error', async () => {
    const { agent, logged } = appThatFails();
    const answer = await agent.get('/bug');
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ type: 'urn:tessera:problem:internal', title: 'Internal error', status: 500, instance: '/bug' });
    expect(answer.text).not.toContain('secrets');
    expect(logged.map((entry) => entry.level)).toEqual(['error']);
  });

  it('answers server-side failures with the HTML page it is given, and client errors as problems still', async () => {
    const { agent } = appThatFails((status) => `<p>failed with ${status}</p>`);
    const down = await agent.get('/down');
    expect(down.status).toBe(503);
    expect(down.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(down.headers['cache-control']).toBe('no-store');
    expect(down.text).toBe('<p>failed with 503</p>');
    expect((await agent.get('/bug')).text).toBe('<p>failed with 500</p>');
    expect((await agent.get('/invalid')).headers['content-type']).toBe('application/problem+json');
  });
});
