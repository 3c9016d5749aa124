/**
 * scripts/setup.sh on a machine where it cannot install anything (no apt-get): it still sets up what
 * `npm start` needs when that is there, warns about the test suite's programs, and refuses only
 * when redis-server is missing, or in CI, which needs everything.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../src/paths';

const run = promisify(execFile);

/** The test suite's programs and their Debian packages, as setup.sh names them. */
const TEST_PROGRAMS: Record<string, string> = {
  'redis-cli': 'redis-tools',
  'redis-sentinel': 'redis-sentinel',
  chromium: 'chromium',
  nginx: 'nginx-light',
  caddy: 'caddy',
};

describe('npm run setup without a package manager', () => {
  let work: string;
  let project: string;

  /** A project with setup.sh and a stand-in build, and a PATH holding only `programs` and what the script runs. */
  function sandbox(programs: string[]): string {
    const bin = mkdtempSync(path.join(work, 'bin-'));
    const npmCli = realpathSync(path.join(path.dirname(process.execPath), 'npm'));
    symlinkSync(process.execPath, path.join(bin, 'node'));
    symlinkSync(npmCli, path.join(bin, 'npm'));
    for (const tool of ['/usr/bin/dirname', '/usr/bin/id', '/bin/sh']) symlinkSync(realpathSync(tool), path.join(bin, path.basename(tool)));
    for (const program of programs) {
      writeFileSync(path.join(bin, program), '#!/bin/sh\nexit 0\n');
      chmodSync(path.join(bin, program), 0o755);
    }
    return bin;
  }

  async function setup(bin: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run('/bin/bash', [path.join(project, 'scripts', 'setup.sh')], { env: { PATH: bin, HOME: os.homedir(), ...env } });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'tessera-setup-'));
    project = path.join(work, 'project');
    mkdirSync(path.join(project, 'scripts'), { recursive: true });
    copyFileSync(path.join(REPO_ROOT, 'scripts', 'setup.sh'), path.join(project, 'scripts', 'setup.sh'));
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'setup-sandbox', private: true, scripts: { build: 'echo built' } }));
    writeFileSync(path.join(project, 'package-lock.json'), '{}');
    // Installed already: the lock file is not newer than what npm last installed.
    mkdirSync(path.join(project, 'node_modules'));
    writeFileSync(path.join(project, 'node_modules', '.package-lock.json'), '{}');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** The packages setup.sh cannot find: it also looks in /usr/sbin, where this machine may have some. */
  const unreachable = () =>
    Object.entries(TEST_PROGRAMS)
      .filter(([program]) => !existsSync(`/usr/sbin/${program}`))
      .map(([, name]) => name);

  it('builds and says ready with redis-server there, warning about each test program it could not install', async () => {
    const { code, stdout, stderr } = await setup(sandbox(['redis-server']));
    expect(code).toBe(0);
    expect(stdout).toContain('built');
    expect(stdout).toContain('Ready: npm start serves on http://localhost:3000');
    expect(stderr).toMatch(/^Warning: could not install .* npm start does not need them/m);
    for (const name of unreachable()) expect(stderr).toContain(name);
  });

  it('refuses without redis-server, which npm start needs, saying what to install', async () => {
    const { code, stdout, stderr } = await setup(sandbox([]));
    expect(code).toBe(1);
    expect(stderr).toContain('npm start needs redis-server: install redis-server with your package manager');
    expect(stdout).not.toContain('built');
  });

  it('refuses in CI, which runs the whole suite, when a test program cannot be installed', async () => {
    const { code, stdout, stderr } = await setup(sandbox(['redis-server']), { CI: 'true' });
    expect(code).toBe(1);
    expect(stderr).toContain('CI runs the whole test suite, which needs these:');
    expect(stdout).not.toContain('built');
  });
});
