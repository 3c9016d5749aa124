import { spawn } from 'node:child_process';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

// The chaos run is not part of the suite, but its smoke mode is: a Cluster and a Sentinel master
// are killed under a little load, and clients must see no 500, no unanswered request and no
// revoked token accepted (the tool exits 1 otherwise).
describe('npm run chaos -- --smoke', () => {
  it('kills a master of each deployment under load and prints what clients saw', async () => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'bench/chaos/run.ts', '--smoke'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`chaos smoke exited ${code}:\n${output.slice(-3000)}`);
    expect(output).toMatch(/\| \| cluster \| sentinel \|/);
    expect(output).toMatch(/\| revoked tokens accepted \| 0 \| 0 \|/);
    expect(output).toMatch(/\| requests without an answer \| 0 \| 0 \|/);
  }, 240_000);
});
