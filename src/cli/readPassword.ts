/**
 * Reads a password for the CLI: from TESSERA_PASSWORD, from piped standard input, or typed at a
 * terminal with echo off. Never from an argument, which would land in shell history and `ps`.
 */
import { createInterface } from 'node:readline';

export async function readPassword(prompt: string): Promise<string> {
  if (process.env.TESSERA_PASSWORD) return process.env.TESSERA_PASSWORD;
  if (!process.stdin.isTTY) return readFirstLine();
  process.stderr.write(prompt);
  return readHidden();
}

async function readFirstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

function readHidden(): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    let typed = '';
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish(() => resolve(typed));
        if (char === '\u0003') return finish(() => reject(new Error('cancelled')));
        typed = char === '\u007f' ? typed.slice(0, -1) : typed + char;
      }
    };
    const finish = (settle: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      settle();
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
