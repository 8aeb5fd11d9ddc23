// /api/admin/companies/: the operator's API for companies and their keys (Bearer AISLE_ADMIN_TOKEN).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  companyNameSchema,
  companyViewSchema,
  createCompany,
  getCompany,
  listCompanies,
  rotateSecretKey,
  rotateWebhookSecret,
  toCompanyView,
  updateCompany,
  webhookUrlSchema,
} from '../../../commerce/index.js';
import type { Db } from '../../../db/client.js';
import { TOOL_NAMES } from '../../../tools/index.js';
import { TESTABLE_EVENTS, testCompanyWebhook, webhookTestReportSchema } from '../../../webhooks/test-send.js';
import { errorBodySchema } from '../errors.js';

const params = z.object({
  company_id: z.string().min(1).describe('The company id ("cmp_…") or its client id.'),
});
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };
const security = [{ adminToken: [] }];
const tags = ['admin'];

const secretKey = z
  .string()
  .describe('The secret key (X-Secret-Key). Shown only now: it is stored as a hash.');
const webhookSecret = z.string().describe('Signs every webhook (X-Webhook-Signature).');

export const adminCompanyRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.post(
    '/companies/',
    {
      schema: {
        tags,
        summary: 'Create a company',
        description:
          'Returns the client id, secret key and webhook secret. The secret key is shown only in this response.',
        security,
        body: z
          .object({ name: companyNameSchema, webhook_url: webhookUrlSchema.nullable().optional() })
          .strict(),
        response: {
          201: companyViewSchema.extend({ secret_key: secretKey, webhook_secret: webhookSecret }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const created = await createCompany(db, {
        name: request.body.name,
        webhookUrl: request.body.webhook_url,
      });
      return reply.status(201).send({
        ...toCompanyView(created.company),
        secret_key: created.secretKey,
        webhook_secret: created.webhookSecret,
      });
    },
  );

  app.get(
    '/companies/',
    {
      schema: {
        tags,
        summary: 'List companies',
        security,
        response: { 200: z.array(companyViewSchema), ...errors },
      },
    },
    async () => (await listCompanies(db)).map(toCompanyView),
  );

  app.get(
    '/companies/:company_id/',
    {
      schema: {
        tags,
        summary: 'Get a company',
        security,
        params,
        response: { 200: companyViewSchema, ...errors },
      },
    },
    async (request) => toCompanyView(await getCompany(db, request.params.company_id)),
  );

  app.patch(
    '/companies/:company_id/',
    {
      schema: {
        tags,
        summary: 'Rename a company, set its webhook URL or the tools it exposes',
        description: 'webhook_url: null removes it. allowed_tools: null exposes all tools.',
        security,
        params,
        body: z
          .object({
            name: companyNameSchema.optional(),
            webhook_url: webhookUrlSchema.nullable().optional(),
            allowed_tools: z
              .array(z.enum(TOOL_NAMES as [string, ...string[]]))
              .nullable()
              .optional()
              .describe('The tools its MCP and chat integration exposes; null = all.'),
          })
          .strict(),
        response: { 200: companyViewSchema, ...errors },
      },
    },
    async (request) =>
      toCompanyView(
        await updateCompany(db, request.params.company_id, {
          name: request.body.name,
          webhookUrl: request.body.webhook_url,
          allowedTools: request.body.allowed_tools,
        }),
      ),
  );

  app.post(
    '/companies/:company_id/rotate-secret/',
    {
      schema: {
        tags,
        summary: 'Rotate the secret key',
        description: 'Issues a new secret key; the old one stops working at once.',
        security,
        params,
        response: { 200: companyViewSchema.extend({ secret_key: secretKey }), ...errors },
      },
    },
    async (request) => {
      const { company, secretKey: key } = await rotateSecretKey(db, request.params.company_id);
      return { ...toCompanyView(company), secret_key: key };
    },
  );

  app.post(
    '/companies/:company_id/rotate-webhook-secret/',
    {
      schema: {
        tags,
        summary: 'Rotate the webhook secret',
        description: 'Webhooks are signed with the new secret from now on.',
        security,
        params,
        response: { 200: companyViewSchema.extend({ webhook_secret: webhookSecret }), ...errors },
      },
    },
    async (request) => {
      const { company, webhookSecret: secret } = await rotateWebhookSecret(db, request.params.company_id);
      return { ...toCompanyView(company), webhook_secret: secret };
    },
  );

  app.post(
    '/companies/:company_id/webhook-test/',
    {
      schema: {
        tags,
        summary: 'Send test webhooks',
        description:
          'Sends a signed sample of each event (marked "test": true, ids "evt_test_…") to the company\'s webhook URL, ' +
          'or to `url` signed with its webhook secret, and judges each answer against the reference. Creates no ' +
          'order and no delivery; never returns the webhook secret. 200 whatever the endpoint answered: see `ok`.',
        security,
        params,
        body: z
          .object({
            events: z
              .array(z.enum(TESTABLE_EVENTS))
              .min(1)
              .optional()
              .describe('Which events to send; all three by default.'),
            url: webhookUrlSchema.optional().describe('Send here instead of the configured webhook URL.'),
            timeout_ms: z
              .number()
              .int()
              .min(100)
              .max(120_000)
              .default(10_000)
              .describe('How long to wait for each answer.'),
          })
          .strict()
          .default({ timeout_ms: 10_000 }),
        response: { 200: webhookTestReportSchema, ...errors },
      },
    },
    async (request) =>
      testCompanyWebhook(db, request.params.company_id, {
        events: request.body.events,
        url: request.body.url,
        timeoutMs: request.body.timeout_ms,
      }),
  );
};
