/** The command line that runs one of the bench's TypeScript files in a Node process of its own. */
import { pathToFileURL } from 'node:url';

/** tsx's loader by absolute URL, so the file runs whatever the working directory. */
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;

export function nodeRunning(file: string, args: string[] = []): [string, string[]] {
  return [process.execPath, ['--import', TSX_LOADER, file, ...args]];
}
