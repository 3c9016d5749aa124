/** Errors as problem+json for any framework: the answer the Express and Hono adapters send, and what they log. */
import { answerProblem, InvalidTokenError, SessionEndedError, StoreUnavailableError, type ProblemLogger } from '../../src';

function recordingLogger() {
  const records: { level: string; message: string; path?: string; err?: unknown }[] = [];
  const logger: ProblemLogger = {
    warn: (record, message) => records.push({ level: 'warn', message, path: record.path, err: record.err }),
    error: (record, message) => records.push({ level: 'error', message, path: record.path, err: record.err }),
  };
  return { logger, records };
}

describe('answerProblem', () => {
  it('logs a copy of the error with its class, code, message, stack and cause, and none of its other properties', () => {
    const { logger, records } = recordingLogger();
    class CommandError extends Error {}
    const thrown = Object.assign(new CommandError('ERR refused', { cause: new Error('the cause') }), {
      code: 'ERR',
      command: { name: 'evalsha', args: ['token-hash'] },
    });
    answerProblem(thrown, '/me', logger);
    const logged = records[0].err as Error & { code?: string };
    expect([logged.constructor, logged.name, logged.message, logged.stack, logged.code]).toEqual([CommandError, 'Error', 'ERR refused', thrown.stack, 'ERR']);
    expect((logged.cause as Error).message).toBe('the cause');
    expect(JSON.stringify(logged)).not.toContain('token-hash');
    expect(Object.keys(logged)).toEqual(['code']);
  });

  it('answers a plain Error 500 without its message, and logs it with the path’s long segments scrubbed', () => {
    const { logger, records } = recordingLogger();
    const thrown = new Error('the database password is hunter2');
    const answer = answerProblem(thrown, '/reset/tess_0123456789abcdefghijklmnopqrstuv/confirm', logger);
    expect([answer.status, answer.headers['Content-Type']]).toEqual([500, 'application/problem+json']);
    expect(JSON.parse(answer.body)).toEqual({
      type: 'urn:tessera:problem:internal',
      title: 'Internal error',
      status: 500,
      instance: '/reset/tess_0123456789abcdefghijklmnopqrstuv/confirm',
    });
    expect(answer.body).not.toContain('hunter2');
    expect(records).toEqual([{ level: 'error', message: 'unhandled error', path: '/reset/…/confirm', err: expect.objectContaining({ stack: thrown.stack }) }]);
  });

  it('answers Tessera’s errors with their status and headers, logging only a 5xx, as a warning with its cause', () => {
    const { logger, records } = recordingLogger();
    const refused = answerProblem(new InvalidTokenError(), '/me', logger);
    expect([refused.status, refused.headers['WWW-Authenticate']]).toEqual([401, 'Bearer realm="tessera", error="invalid_token"']);
    expect(records).toEqual([]);
    const cause = new Error('connect ECONNREFUSED');
    expect(answerProblem(new StoreUnavailableError(cause), '/me', logger).status).toBe(503);
    expect(records).toEqual([
      { level: 'warn', message: expect.any(String), path: '/me', err: expect.objectContaining({ message: cause.message, stack: cause.stack }) },
    ]);
  });

  it('maps a body parser’s errors onto Tessera’s', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, type: 'entity.too.large', limit: 100 });
    expect(JSON.parse(answerProblem(tooLarge, '/auth/login').body).type).toBe('urn:tessera:problem:payload-too-large');
    const unparsable = Object.assign(new SyntaxError('Unexpected end of JSON input'), { status: 400, type: 'entity.parse.failed' });
    expect(JSON.parse(answerProblem(unparsable, '/auth/login').body).type).toBe('urn:tessera:problem:malformed-json');
  });

  it('takes a bare SyntaxError for the app’s own bug: a logged 500, not a 400', () => {
    const { logger, records } = recordingLogger();
    const answer = answerProblem(new SyntaxError('Unexpected token } in JSON'), '/orders', logger);
    expect(answer.status).toBe(500);
    expect(records.map((record) => record.level)).toEqual(['error']);
  });

  it('answers the core’s SessionEndedError with the bearer challenge', () => {
    const answer = answerProblem(new SessionEndedError(), '/auth/logout-others');
    expect([answer.status, answer.headers['WWW-Authenticate']]).toEqual([401, 'Bearer realm="tessera", error="invalid_token"']);
  });
});
