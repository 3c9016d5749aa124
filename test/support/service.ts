/** Runs the real service (config, Koa app, worker pool) in-process on a free port, for HTTP tests. */
import type { Cluster, Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '../../src/config/env';
import { startService, type RunningService } from '../../src/server/service';
import { checkAgainstDescription } from './apiContract';

export interface TestService extends RunningService {
  url: string;
  /** fetch against this instance, JSON body and bearer token made easy. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
}

export async function startTestService(redis: Redis | Cluster, env: Record<string, string> = {}): Promise<TestService> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4', LOG_LEVEL: 'silent', ...env });
  const service = await startService(config, redis, pino({ level: 'silent' }));
  const url = `http://127.0.0.1:${service.port}`;
  return {
    ...service,
    url,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.body !== undefined) headers['content-type'] ??= 'application/json';
      const response = await fetch(url + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
      });
      await checkAgainstDescription(method, path, response);
      return response;
    },
  };
}

/** Registers a user and logs in; answers the token and the login body. */
export async function signUpAndLogIn(
  service: TestService,
  username: string,
  password = 'correct horse battery',
  device?: { type?: string; name?: string },
): Promise<{ token: string; body: LoginBody }> {
  const registered = await service.call('POST', '/auth/register', { body: { username, password } });
  if (registered.status !== 201 && registered.status !== 409) throw new Error(`register answered ${registered.status}`);
  return logIn(service, username, password, device);
}

export async function logIn(
  service: TestService,
  username: string,
  password = 'correct horse battery',
  device?: { type?: string; name?: string },
): Promise<{ token: string; body: LoginBody }> {
  const response = await service.call('POST', '/auth/login', { body: { username, password, ...(device ? { device } : {}) } });
  if (response.status !== 200) throw new Error(`login answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as LoginBody;
  return { token: body.token, body };
}

export interface LoginBody {
  token: string;
  tokenType: string;
  expiresAt: string;
  absoluteExpiresAt: string;
  session: { id: string; device: { type: string | null; name: string | null } };
  user: { id: string; username: string; roles: string[] };
}
