// The OpenAPI 3.1 document, generated from the zod route schemas, at /openapi.json, and Swagger UI at /api/docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { isStateChanging } from './idempotency.js';

const idempotencyKeyHeader = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: '^[\\x20-\\x7e]+$',
  description:
    'Optional: any unique string (a UUID). A retry with the same key and request gets the first response again for ' +
    '24 h, marked Idempotent-Replayed: true; 409 while the first is in flight; 422 if the key was used with another request.',
};

/** zod to JSON Schema, plus the Idempotency-Key header (and its 409 and 422) on every state-changing /api/v1 route. */
const transform: typeof jsonSchemaTransform = (input) => {
  const out = jsonSchemaTransform(input);
  if (!input.url.startsWith('/api/v1/') || ![input.route.method].flat().some(isStateChanging)) return out;
  const schema = out.schema as { headers?: { properties?: object }; response?: Record<string, unknown> };
  const errorBody = schema.response?.['400'];
  return {
    url: out.url,
    schema: {
      ...out.schema,
      headers: {
        ...schema.headers,
        type: 'object',
        properties: { ...schema.headers?.properties, 'Idempotency-Key': idempotencyKeyHeader },
      },
      ...(errorBody !== undefined && { response: { ...schema.response, 409: errorBody, 422: errorBody } }),
    },
  };
};

export async function registerOpenApi(
  app: FastifyInstance,
  version: string,
  perMinute: number,
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Aisle API',
        version,
        description:
          'Integrate the Aisle shopping agent: register your users, manage their addresses, and (operators) companies and keys. ' +
          `Errors are always \`{error, detail, status, code}\`. Rate limit: ${perMinute} requests a minute per API key.`,
      },
      tags: [
        { name: 'users', description: 'Your end users' },
        { name: 'addresses', description: "Users' shipping addresses" },
        { name: 'products', description: 'The unified catalog: search and product details' },
        { name: 'admin', description: 'Operator API: companies and their keys (Bearer AISLE_ADMIN_TOKEN)' },
        { name: 'system', description: 'Health and documentation' },
      ],
      components: {
        securitySchemes: {
          clientId: { type: 'apiKey', in: 'header', name: 'X-Client-ID' },
          secretKey: { type: 'apiKey', in: 'header', name: 'X-Secret-Key' },
          adminToken: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
