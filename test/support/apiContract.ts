/**
 * Holds every answer the API suites get to the OpenAPI description: a documented status, and a
 * body that matches its documented schema. Requests outside the JSON API (pages, unknown paths) pass.
 */
import { documentedStatuses, routeKeyOf } from '../../src/http/openapi/document';
import { API_ROUTES } from '../../src/http/openapi/apiRoutes';
import { problemSchema } from '../../src/http/openapi/responses';

export async function checkAgainstDescription(method: string, pathAndQuery: string, response: Response): Promise<void> {
  const key = routeKeyOf(method.toUpperCase(), pathAndQuery.split('?')[0]);
  if (!key) return;
  const route = API_ROUTES[key];
  const where = `${key} answered ${response.status}`;
  if (!documentedStatuses(route).includes(response.status)) throw new Error(`${where}, a status /openapi.json does not document for it`);
  const schema = route.answers[response.status];
  if (schema === null) return;
  const body = (await response.clone().text()) || 'null';
  const expected = schema ?? problemSchema;
  if (schema === undefined && !response.headers.get('content-type')?.startsWith('application/problem+json')) {
    throw new Error(`${where} with ${response.headers.get('content-type')}, not the documented problem+json`);
  }
  const result = expected.safeParse(JSON.parse(body));
  if (!result.success) throw new Error(`${where} with a body unlike its documented schema: ${JSON.stringify(result.error.issues)}`);
}
