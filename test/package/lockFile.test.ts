/**
 * package-lock.json agrees with package.json, so `npm install` (and so `npm run setup`) finds
 * nothing to rewrite in it and leaves the checkout clean.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../src/paths';

const read = (file: string) => JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8')) as Record<string, unknown>;

describe('package-lock.json', () => {
  it('records the package as package.json declares it', () => {
    const manifest = read('package.json');
    const lock = read('package-lock.json') as { name: string; version: string; packages: Record<string, Record<string, unknown>> };
    const root = lock.packages[''];
    const fields = [
      'name',
      'version',
      'license',
      'bin',
      'engines',
      'dependencies',
      'devDependencies',
      'peerDependencies',
      'peerDependenciesMeta',
      'optionalDependencies',
    ];
    const pick = (from: Record<string, unknown>) =>
      Object.fromEntries(fields.filter((field) => from[field] !== undefined).map((field) => [field, from[field]]));
    expect(pick(root)).toEqual(pick(manifest));
    expect([lock.name, lock.version]).toEqual([manifest.name, manifest.version]);
  });

  it('locks a version of every dependency package.json names', () => {
    const manifest = read('package.json') as Record<string, Record<string, string> | undefined>;
    const lock = read('package-lock.json') as { packages: Record<string, { version?: string }> };
    const named = ['dependencies', 'devDependencies'].flatMap((kind) => Object.keys(manifest[kind] ?? {}));
    expect(named.filter((name) => !lock.packages[`node_modules/${name}`]?.version)).toEqual([]);
  });
});
