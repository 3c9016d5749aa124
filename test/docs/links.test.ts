/**
 * The README is a front page, and the pages under docs/ hold the rest: the README stays short,
 * keeps its two-command quick start, and every relative link in it and in docs/ reaches a file
 * that exists and, for `#anchor` links, a heading of that file.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../src/paths';

const README = path.join(REPO_ROOT, 'README.md');
const DOCS = path.join(REPO_ROOT, 'docs');

/** Markdown files under docs/, the generated API reference aside. */
function docPages(dir = DOCS): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return full === path.join(DOCS, 'api') ? [] : docPages(full);
    return name.endsWith('.md') ? [full] : [];
  });
}

/** The text a reader sees as prose: fenced code blocks and inline code cannot hold links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_ -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function relativeLinks(file: string): string[] {
  const targets = [...prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)].map((match) => match[1]!);
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** Why a link does not resolve, or null when it does. */
function brokenLink(file: string, target: string): string | null {
  const [filePart, anchor] = target.split('#') as [string, string | undefined];
  const destination = filePart === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(filePart));
  if (!existsSync(destination)) return `${target}: no such file`;
  if (anchor === undefined) return null;
  if (!destination.endsWith('.md')) return `${target}: an anchor into a file that is not markdown`;
  return anchorsOf(readFileSync(destination, 'utf8')).has(anchor) ? null : `${target}: no heading "#${anchor}" in ${path.relative(REPO_ROOT, destination)}`;
}

describe('the README and docs/', () => {
  it('keeps the README a front page of at most 450 lines', () => {
    expect(readFileSync(README, 'utf8').split('\n').length).toBeLessThanOrEqual(450);
  });

  it('keeps the two-command quick start in the README', () => {
    const readme = readFileSync(README, 'utf8');
    const quickStart = readme.slice(readme.indexOf('\n## Quick start\n'));
    const commands =
      /```sh\n([\s\S]*?)```/
        .exec(quickStart)?.[1]
        ?.split('\n')
        .map((line) => line.replace(/ +#.*$/, '')) ?? [];
    expect(commands.slice(0, 2)).toEqual(['npm run setup && npm start', 'npm test']);
  });

  it('links from the README to every page under docs/', () => {
    const linked = new Set(relativeLinks(README).map((target) => path.resolve(REPO_ROOT, target.split('#')[0]!)));
    const topLevelPages = readdirSync(DOCS)
      .filter((name) => name.endsWith('.md'))
      .map((name) => path.join(DOCS, name));
    expect(topLevelPages.filter((page) => !linked.has(page))).toEqual([]);
  });

  it.each([README, ...docPages()].map((file) => [path.relative(REPO_ROOT, file), file]))('resolves every relative link in %s', (_name, file) => {
    const links = relativeLinks(file);
    expect(links.map((target) => brokenLink(file, target)).filter(Boolean)).toEqual([]);
  });

  it('finds a broken file link and a broken anchor when there is one', () => {
    expect(brokenLink(README, 'docs/no-such-page.md')).toMatch(/no such file/);
    expect(brokenLink(README, 'docs/library.md#no-such-heading')).toMatch(/no heading/);
    expect(brokenLink(README, 'docs/library.md#cookies')).toBeNull();
    expect(anchorsOf('# Remembered logins (refresh tokens)\n## nginx `auth_request`\n## A\n## A')).toEqual(
      new Set(['remembered-logins-refresh-tokens', 'nginx-auth_request', 'a', 'a-1']),
    );
  });
});
