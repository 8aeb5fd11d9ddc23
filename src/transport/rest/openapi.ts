// The OpenAPI 3.1 document, generated from the zod route schemas, at /openapi.json, and Swagger UI at /api/docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

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
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
