// Copies what tsc does not emit (Lua scripts, the plain-JS worker) from src/ to dist/, and marks the
// client SDK's ES module build as ES modules: the package itself is CommonJS, so Node would take
// dist/client-esm/*.js for CommonJS without it.
import { cpSync, statSync, writeFileSync } from 'node:fs';

const ASSET = /\.(lua|js)$/;
cpSync('src', 'dist', { recursive: true, filter: (source) => statSync(source).isDirectory() || ASSET.test(source) });
writeFileSync('dist/client-esm/package.json', `${JSON.stringify({ type: 'module' })}\n`);
