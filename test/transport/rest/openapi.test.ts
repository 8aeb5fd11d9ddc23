import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
  });

  it('lists every API route with its methods', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const expected = [
      'GET /api/health',
      'POST /api/v1/users/',
      'GET /api/v1/users/',
      'GET /api/v1/users/{user_id}/',
      'PATCH /api/v1/users/{user_id}/',
      'GET /api/v1/users/{user_id}/addresses/',
      'POST /api/v1/users/{user_id}/addresses/',
      'GET /api/v1/users/{user_id}/addresses/{address_id}/',
      'PATCH /api/v1/users/{user_id}/addresses/{address_id}/',
      'DELETE /api/v1/users/{user_id}/addresses/{address_id}/',
      'GET /api/v1/products/',
      'GET /api/v1/products/{product_id}/',
      'POST /api/admin/companies/',
      'GET /api/admin/companies/',
      'GET /api/admin/companies/{company_id}/',
      'PATCH /api/admin/companies/{company_id}/',
      'POST /api/admin/companies/{company_id}/rotate-secret/',
      'POST /api/admin/companies/{company_id}/rotate-webhook-secret/',
      'POST /api/admin/catalog/import/',
      'POST /api/admin/catalog/reindex/',
      'GET /api/admin/merchants/',
      'GET /api/v1/users/{user_id}/orders/',
      'GET /api/v1/orders/{order_id}/',
      'POST /api/v1/orders/{order_id}/cancel/',
      'GET /api/v1/webhooks/deliveries/',
      'POST /api/v1/webhooks/deliveries/{delivery_id}/redeliver/',
      'GET /api/admin/orders/{order_id}',
      'POST /api/admin/orders/{order_id}/status',
      'POST /api/admin/companies/{company_id}/webhook-test/',
      'GET /api/v1/chat/history/',
      'POST /api/v1/sessions/',
      'POST /api/admin/stores/',
      'GET /api/admin/stores/',
      'POST /api/admin/stores/{merchant_id}/sync/',
      'GET /api/admin/stores/{merchant_id}/sync-runs/',
      'GET /api/admin/stores/{merchant_id}/sync-runs/{run_id}',
    ];
    expect(documented.sort()).toEqual(expected.sort());
  });

  it('documents the credentials and the error body on the integrator routes', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.components.securitySchemes.clientId).toEqual({
      type: 'apiKey',
      in: 'header',
      name: 'X-Client-ID',
    });
    const create = doc.paths['/api/v1/users/'].post;
    expect(create.security).toEqual([{ clientId: [], secretKey: [] }]);
    expect(Object.keys(create.responses)).toEqual(
      expect.arrayContaining(['200', '201', '400', '401', '429']),
    );
    const body = create.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['external_user_id']);
    expect(body.additionalProperties).toBe(false);
  });
});

describe('/api/docs', () => {
  it('serves Swagger UI', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/swagger/i);
  });
});

describe('/api/health', () => {
  it('reports version, database and search', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ok',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      database: { status: 'ok', driver: t.deps.database.driver },
      search: { status: 'ok', engine: 'embedded', products: 0 },
      rate_limit: { store: 'memory', status: 'ok', per_minute: 100 },
    });
  });
});
