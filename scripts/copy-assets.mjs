// Copies what tsc does not emit (Lua scripts, the plain-JS worker) from src/ to dist/.
import { cpSync, statSync } from 'node:fs';

const ASSET = /\.(lua|js)$/;
cpSync('src', 'dist', { recursive: true, filter: (source) => statSync(source).isDirectory() || ASSET.test(source) });
