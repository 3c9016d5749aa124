import { BACKENDS } from '../support/backends';
import { useService } from '../support/serviceFixture';

describe('GET / without the pages', () => {
  const suite = useService(BACKENDS[0]);

  it('answers a small JSON naming the docs and the API description', async () => {
    const response = await suite.service.call('GET', '/');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { docs: string; openapi: string };
    expect(body).toEqual({ service: 'tessera', docs: 'https://github.com/tessera-sessions/tessera-sessions#readme', openapi: '/openapi.json' });
    expect((await suite.service.call('GET', body.openapi)).status).toBe(200);
  });

  it('refuses other methods with 405 problem+json', async () => {
    const response = await suite.service.call('POST', '/');
    expect([response.status, response.headers.get('allow'), response.headers.get('content-type')]).toEqual([405, 'HEAD, GET', 'application/problem+json']);
  });
});
