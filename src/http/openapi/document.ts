/** The OpenAPI 3.1 document of the JSON API, generated from API_ROUTES' zod schemas by zod-openapi. */
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponseObject } from 'zod-openapi';
import { PROBLEM_CONTENT_TYPE } from '../problemDetails';
import { API_ROUTES, type RouteDescription } from './apiRoutes';
import { problemSchema } from './responses';

const PARAMETER = /:(\w+)/g;

const idempotencyHeader = z.object({
  'Idempotency-Key': z.string().max(257).optional().meta({
    description:
      'A quoted string (draft-ietf-httpapi-idempotency-key-header): the same request again within a day replays the first success, marked Idempotent-Replayed: true',
  }),
});

/** Every status a route may answer: its own, and the problems its access, input and Redis bring. */
export function documentedStatuses(route: RouteDescription): number[] {
  const implied = [
    ...(route.access !== 'public' ? [401] : []),
    ...(route.access === 'admin' ? [403] : []),
    ...(route.body || route.query ? [400] : []),
    ...(route.body ? [413, 415] : []),
    ...(route.idempotent ? [400, 409, 422] : []),
    503,
  ];
  return [...new Set([...Object.keys(route.answers).map(Number), ...(route.problems ?? []), ...implied])].sort();
}

/** The API_ROUTES key that serves a request, or null. */
export function routeKeyOf(method: string, path: string): string | null {
  for (const key of Object.keys(API_ROUTES)) {
    const [routeMethod, template] = key.split(' ');
    const pattern = new RegExp(`^${template.replace(/[.]/g, '\\.').replace(PARAMETER, '[^/]+')}$`);
    if (routeMethod === method && pattern.test(path)) return key;
  }
  return null;
}

function operation(route: RouteDescription, template: string): ZodOpenApiOperationObject {
  const names = [...template.matchAll(PARAMETER)].map((match) => match[1]);
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const status of documentedStatuses(route)) {
    const schema = route.answers[status];
    responses[String(status)] =
      schema === undefined
        ? { description: 'A problem', content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } }
        : schema === null
          ? { description: 'No body' }
          : { description: 'Success', content: { 'application/json': { schema } } };
  }
  const headers = route.idempotent && route.headers ? route.headers.extend(idempotencyHeader.shape) : route.idempotent ? idempotencyHeader : route.headers;
  return {
    summary: route.summary,
    ...(route.access !== 'public' ? { security: [route.cookieTransport ? { sessionCookie: [] } : { bearer: [] }] } : {}),
    requestParams: {
      ...(names.length ? { path: z.object(Object.fromEntries(names.map((name) => [name, z.string()]))) } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...(headers ? { header: headers } : {}),
    },
    ...(route.body
      ? {
          requestBody: {
            content: {
              'application/json': { schema: route.body },
              ...(route.form ? { 'application/x-www-form-urlencoded': { schema: route.body } } : {}),
            },
          },
        }
      : {}),
    responses,
  };
}

let document: ReturnType<typeof createDocument> | null = null;

export function openApiDocument(): ReturnType<typeof createDocument> {
  if (document) return document;
  const paths: ZodOpenApiPathsObject = {};
  for (const [key, route] of Object.entries(API_ROUTES)) {
    const [method, path] = key.split(' ');
    const template = path.replace(PARAMETER, '{$1}');
    paths[template] = { ...paths[template], [method.toLowerCase()]: operation(route, path) };
  }
  document = createDocument({
    openapi: '3.1.0',
    info: { title: 'Tessera', version: '1', description: 'Redis-backed opaque session tokens. Errors are RFC 9457 problem+json.' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A session token (tess_...) or, for /auth/introspect, the service credential' },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: '__Host-tessera',
          description: 'The session cookie of the cookie transport (`tessera` where it is not Secure)',
        },
      },
    },
    paths,
  });
  return document;
}
