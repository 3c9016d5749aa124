import { spawn } from 'node:child_process';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { logIn, type TestService } from '../support/service';
import { useServices } from '../support/serviceFixture';
import { REPO_ROOT } from '../../src/paths';

const TSX = require.resolve('tsx/cli');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe.each(BACKENDS)('the tessera CLI on $name Redis', (backend) => {
  const suite = useServices(backend);
  let service: TestService;
  let env: Record<string, string>;

  beforeEach(async () => {
    const target = backend.target();
    env = {
      KEY_PREFIX: uniquePrefix(),
      BCRYPT_COST: '4',
      ...(target.kind === 'cluster' ? { REDIS_CLUSTER_NODES: target.nodes.map((n) => `${n.host}:${n.port}`).join(',') } : { REDIS_URL: target.url! }),
    };
    service = await suite.serve({ KEY_PREFIX: env.KEY_PREFIX });
  });

  function cli(args: string[], stdin = ''): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [TSX, 'src/cli/main.ts', ...args], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.stdin.end(stdin);
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('lets an operator create an admin, ban and unban a user, end sessions, and read the audit trail', async () => {
    const created = await cli(['user:create', 'operator-made', '--admin'], 'a-strong-password\n');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ username: 'operator-made', roles: ['admin'] });
    const admin = await logIn(service, 'operator-made', 'a-strong-password');
    expect((await service.call('GET', '/admin/users', { token: admin.token })).status).toBe(200);

    await cli(['user:create', 'troublemaker'], 'another-password\n');
    const user = await logIn(service, 'troublemaker', 'another-password');
    const listed = await cli(['sessions:list', 'troublemaker']);
    expect(JSON.parse(listed.stdout).map((s: { id: string }) => s.id)).toEqual([user.body.session.id]);

    const banned = await cli(['ban', 'troublemaker', '--reason', 'spam', '--until', '1h']);
    expect(banned.code).toBe(0);
    expect(JSON.parse(banned.stdout)).toMatchObject({ reason: 'spam', by: { id: 'cli' } });
    expect((await service.call('GET', '/auth/session', { token: user.token })).status).toBe(401);
    const refused = await service.call('POST', '/auth/login', { body: { username: 'troublemaker', password: 'another-password' } });
    expect(refused.status).toBe(403);

    expect((await cli(['unban', 'troublemaker'])).code).toBe(0);
    const again = await logIn(service, 'troublemaker', 'another-password');
    const revoked = await cli(['sessions:revoke-all', 'troublemaker']);
    expect(JSON.parse(revoked.stdout)).toEqual({ revoked: 1 });
    expect((await service.call('GET', '/auth/session', { token: again.token })).status).toBe(401);

    const audit = JSON.parse((await cli(['audit', '--limit', '50'])).stdout) as { type: string; actor: { id: string; name: string } }[];
    expect(audit.filter((e) => e.actor.id === 'cli').map((e) => e.type)).toEqual(
      expect.arrayContaining(['user.created', 'user.banned', 'user.unbanned', 'sessions.revoked']),
    );
    expect(audit.find((e) => e.actor.id === 'cli')!.actor.name).toMatch(/^cli:/);
    const signIns = JSON.parse((await cli(['audit', '--sign-in'])).stdout) as { type: string }[];
    expect(signIns.map((e) => e.type)).toContain('login.succeeded');
    expect(audit.map((e) => e.type)).not.toContain('login.succeeded');
  }, 60_000);

  it('grants and revokes roles, and refuses to remove the last admin', async () => {
    await cli(['user:create', 'only-admin', '--admin'], 'sole-operator-key\n');
    await cli(['user:create', 'helper-role'], 'assistant-key-1\n');
    const granted = await cli(['roles:grant', 'helper-role', 'support']);
    expect(JSON.parse(granted.stdout).roles).toEqual(['support']);
    expect(JSON.parse((await cli(['roles:revoke', 'helper-role', 'support'])).stdout).roles).toEqual([]);
    const last = await cli(['roles:revoke', 'only-admin', 'admin']);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('last admin');
  }, 60_000);

  it('lifts a login lockout', async () => {
    await cli(['user:create', 'locked-out'], 'a-strong-password\n');
    for (let i = 0; i < 5; i++)
      await (await service.call('POST', '/auth/login', { body: { username: 'locked-out', password: 'wrong password' } })).body?.cancel();
    expect((await service.call('POST', '/auth/login', { body: { username: 'locked-out', password: 'a-strong-password' } })).status).toBe(429);
    const cleared = await cli(['throttles:clear', '--username', 'locked-out', '--address', '127.0.0.1']);
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.stdout)).toEqual({ cleared: 2 });
    expect((await service.call('POST', '/auth/login', { body: { username: 'locked-out', password: 'a-strong-password' } })).status).toBe(200);
    expect((await cli(['throttles:clear'])).code).toBe(2);
  }, 60_000);

  it('explains bad input and unknown commands without touching anything', async () => {
    const weak = await cli(['user:create', 'weak'], 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('password: must be at least 8 characters');
    const missing = await cli(['ban', 'nobody-at-all', '--reason', 'x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No user is named nobody-at-all');
    expect((await cli(['user:create', 'reasonless'], 'no-reason-key-1\n')).code).toBe(0);
    const noReason = await cli(['ban', 'reasonless']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('give a --reason');
    // The ban's rules are the admin service's, so the CLI keeps them as the API does.
    const longReason = await cli(['ban', 'reasonless', '--reason', 'x'.repeat(501)]);
    expect(longReason.code).toBe(1);
    expect(longReason.stderr).toContain('reason: must be at most 500 characters');
    const badLimit = await cli(['audit', '--limit', 'many']);
    expect(badLimit.code).toBe(2);
    const unknown = await cli(['explode']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command: explode');
    expect(unknown.stderr).toContain('tessera ban <username>');
  }, 60_000);
});
