/** Places on disk Tessera itself needs, found from where this file sits (src/ or dist/ alike). */
import path from 'node:path';

/** The repository (or installed package) root: redis.conf and the default data folder live here. */
export const REPO_ROOT = path.resolve(__dirname, '..');
