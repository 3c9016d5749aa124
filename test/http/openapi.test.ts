import { API_ROUTES } from '../../src/http/openapi/apiRoutes';
import { BACKENDS } from '../support/backends';
import { routeTable } from '../support/routeTable';
import { useService } from '../support/serviceFixture';

describe('the OpenAPI description', () => {
  const suite = useService(BACKENDS[0]);

  const cookieSuite = useService(BACKENDS[0], { COOKIE_TRANSPORT: 'on' });
  const servedBy = (app: typeof suite.service.app) => routeTable(app).map((route) => `${route.method} ${route.path}`);

  it('documents every route the API serves', () => {
    const served = servedBy(suite.service.app);
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((route) => !(route in API_ROUTES))).toEqual([]);
    const withoutCookies = Object.entries(API_ROUTES).filter(([, route]) => !route.cookieTransport);
    expect(withoutCookies.map(([key]) => key).filter((route) => !served.includes(route))).toEqual([]);
  });

  it('documents the routes of the cookie transport, the DBSC endpoints among them, and serves them with it', () => {
    const served = servedBy(cookieSuite.service.app);
    expect(Object.keys(API_ROUTES).filter((route) => !served.includes(route))).toEqual([]);
    expect(served).toEqual(expect.arrayContaining(['POST /auth/dbsc/start', 'POST /auth/dbsc/refresh']));
  });

  it('describes the DBSC endpoints: their headers, instructions and refusals', async () => {
    const document = (await (await suite.service.call('GET', '/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string; in: string }[]; security?: unknown[] }>>;
    };
    const start = document.paths['/auth/dbsc/start'].post;
    const refresh = document.paths['/auth/dbsc/refresh'].post;
    expect(Object.keys(start.responses).sort()).toEqual(['200', '400', '401', '409', '429', '503']);
    expect(Object.keys(refresh.responses).sort()).toEqual(['200', '400', '401', '403', '429', '503']);
    expect(start.security).toEqual([{ sessionCookie: [] }]);
    expect(refresh.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Sec-Secure-Session-Id', in: 'header' }),
        expect.objectContaining({ name: 'Secure-Session-Response', in: 'header' }),
      ]),
    );
  });

  it('is served at /openapi.json as OpenAPI 3.1, with the problem schema and each route', async () => {
    const response = await suite.service.call('GET', '/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string; in: string }[] }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['Problem', 'Session', 'Account']));
    expect(Object.keys(document.paths['/admin/users/{id}/roles'].put.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '415',
      '422',
      '503',
    ]);
    expect(document.paths['/admin/users/{id}/roles'].put.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
    );
    expect(document.paths['/auth/login'].post.parameters ?? []).not.toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key' })]));
  });
});
