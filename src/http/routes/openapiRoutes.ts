/** GET /openapi.json: the OpenAPI 3.1 description of this JSON API. */
import type Router from '@koa/router';
import { publicRoute } from '../../middleware/access';
import { guardedRouter } from '../guardedRouter';
import { openApiDocument } from '../openapi/document';

export function openapiRoutes(): Router {
  const router = guardedRouter();
  const anyone = publicRoute();
  router.get('/openapi.json', anyone, (ctx) => {
    ctx.body = openApiDocument();
  });
  return router;
}
