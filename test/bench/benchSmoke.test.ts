import { spawn } from 'node:child_process';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

// The benchmark is not part of the suite, but its smoke mode is, so it cannot rot unnoticed:
// every server, the load generator, the memory and login-storm parts run briefly and must answer.
describe('npm run bench -- --smoke', () => {
  it('starts every server and runs every part of the benchmark', async () => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'bench/run.ts', '--smoke'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`bench smoke exited ${code}:\n${output.slice(-3000)}`);
    for (const server of ['bare', 'jwt', 'koa-session', 'express-session', 'tessera', 'tessera-cluster', 'limit']) {
      expect(output).toContain(`| ${server} |`);
    }
  }, 180_000);
});
