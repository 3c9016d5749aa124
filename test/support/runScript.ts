/** Runs one of the repository's TypeScript tools (bench, chaos) as `npm run` would, and collects what it printed. */
import { spawn } from 'node:child_process';
import { REPO_ROOT } from '../../src/paths';

/** The tool's stdout and stderr together; throws with the output's tail when it exits non-zero. */
export async function runScript(script: string, args: string[]): Promise<string> {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), script, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited ${code}:\n${output.slice(-3000)}`);
  return output;
}
