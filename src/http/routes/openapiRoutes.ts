/** GET /openapi.json: the OpenAPI 3.1 description of this JSON API. */
import Router from '@koa/router';
import { openApiDocument } from '../openapi/document';

export function openapiRoutes(): Router {
  const router = new Router();
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApiDocument();
  });
  return router;
}
