import Koa from 'koa';
import supertest from 'supertest';
import { guardedRouter } from '../../src/http/guardedRouter';
import { hotRoutes } from '../../src/http/hotRoutes';
import { publicRoute } from '../../src/middleware/access';

function appWithHotRoute() {
  const router = guardedRouter();
  const answerVia: Koa.Middleware = (ctx) => {
    ctx.body = { via: ctx.state.via ?? [] };
  };
  router.get('/check', publicRoute(), answerVia);
  router.get('/other', publicRoute(), answerVia);
  const mark =
    (name: string): Koa.Middleware =>
    async (ctx, next) => {
      ctx.state.via = [...(ctx.state.via ?? []), name];
      await next();
    };
  const app = new Koa();
  app.use(hotRoutes(['GET /check'], [router], [mark('needed layer')]));
  app.use(mark('slow layer'));
  app.use(mark('needed layer'));
  app.use(router.routes());
  return app;
}

describe('hot routes', () => {
  it('serve a listed route through its own layers only, and HEAD with its GET', async () => {
    const agent = supertest(appWithHotRoute().callback());
    expect((await agent.get('/check')).body).toEqual({ via: ['needed layer'] });
    expect((await agent.head('/check')).status).toBe(200);
  });

  it('leave every other request, and other spellings of a listed path, to the rest of the stack', async () => {
    const agent = supertest(appWithHotRoute().callback());
    expect((await agent.get('/other')).body).toEqual({ via: ['slow layer', 'needed layer'] });
    expect((await agent.get('/CHECK')).status).toBe(404);
    expect((await agent.get('/check/')).status).toBe(404);
  });

  it('name the route they served, as the router would, for the log line and the metrics', async () => {
    const app = new Koa();
    const seen: unknown[] = [];
    app.use(async (ctx, next) => {
      await next();
      seen.push(ctx._matchedRoute);
    });
    const router = guardedRouter({ prefix: '/auth' });
    router.get('/check', publicRoute(), (ctx) => {
      ctx.body = { params: ctx.params };
    });
    app.use(hotRoutes(['GET /auth/check'], [router], []));
    const answer = await supertest(app.callback()).get('/auth/check');
    expect(answer.body).toEqual({ params: {} });
    expect(seen).toEqual(['/auth/check']);
  });

  it('refuse a route with a parameter, whose chain would depend on the path', () => {
    const router = guardedRouter();
    router.get('/sessions/:id', publicRoute(), () => undefined);
    expect(() => hotRoutes(['GET /sessions/:id'], [router], [])).toThrow('hot routes take no parameters: GET /sessions/:id');
  });

  it('refuse to list a route that no router serves', () => {
    expect(() => hotRoutes(['GET /nowhere'], [guardedRouter()], [])).toThrow('hot routes that no router serves: GET /nowhere');
  });
});
