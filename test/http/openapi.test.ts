import { API_ROUTES } from '../../src/http/openapi/apiRoutes';
import { BACKENDS } from '../support/backends';
import { routeTable } from '../support/routeTable';
import { useService } from '../support/serviceFixture';

describe('the OpenAPI description', () => {
  const suite = useService(BACKENDS[0]);

  it('documents every route the API serves', () => {
    const served = routeTable(suite.service.app).map((route) => `${route.method} ${route.path}`);
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((route) => !(route in API_ROUTES))).toEqual([]);
    expect(Object.keys(API_ROUTES).filter((route) => !served.includes(route))).toEqual([]);
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
