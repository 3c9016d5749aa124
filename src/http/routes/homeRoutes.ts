/**
 * GET / without the pages: a small JSON pointing a newcomer (or a curl) at the docs and the API's
 * description. With the pages on, / is theirs (signInRoutes).
 */
import type Router from '@koa/router';
import { publicRoute } from '../../middleware/access';
import { guardedRouter } from '../guardedRouter';

/** Where Tessera's documentation starts. */
export const DOCS_URL = 'https://github.com/tessera-sessions/tessera-sessions#readme';

export function homeRoutes(): Router {
  const router = guardedRouter();
  router.get('/', publicRoute(), (ctx) => {
    ctx.body = { service: 'tessera', docs: DOCS_URL, openapi: '/openapi.json' };
  });
  return router;
}
