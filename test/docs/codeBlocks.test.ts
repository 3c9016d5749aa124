/**
 * Code shown in the docs is code that compiles and runs: each block below is a file under
 * examples/, which `npm run typecheck` checks and a test runs, shown word for word.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../src/paths';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

/** The first TypeScript block after a heading of a markdown file. */
function blockAfter(file: string, heading: string): string {
  const text = read(file);
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`${file} has no heading "${heading}"`);
  const block = /```ts\n([\s\S]*?)```/.exec(text.slice(at))?.[1];
  if (!block) throw new Error(`${file} has no TypeScript block under "${heading}"`);
  return block;
}

/** An example's code, from its first import on, as an app would write it (no exports for the tests). */
function exampleCode(file: string): string {
  const text = read(file);
  return text.slice(text.indexOf('import ')).replace(/^export /gm, '');
}

describe('code in the docs', () => {
  it('shows the README library quick start as examples/quickStart.ts has it', () => {
    expect(exampleCode('examples/quickStart.ts')).toBe(blockAfter('README.md', '## Library quick start'));
  });

  it('shows the cookie recipe as examples/koaCookies.ts has it, up to its routes', () => {
    const recipe = blockAfter('docs/migration.md', '## The cookie recipe');
    expect(recipe.endsWith('app.use(router.routes());\n')).toBe(true);
    expect(exampleCode('examples/koaCookies.ts').startsWith(recipe)).toBe(true);
  });
});
