// Every REST error leaves as {error, detail, status} (the reference's format), plus a stable `code`. 5xx details are masked.
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, titleForStatus } from '../../errors.js';

export const errorBodySchema = z
  .object({
    error: z.string().describe('A short title, e.g. "Invalid credentials".'),
    detail: z.string().describe('What went wrong and how to fix it.'),
    status: z.number().int().describe('The HTTP status code, repeated.'),
    code: z.string().describe('A stable machine-readable code, e.g. "user_not_found".'),
  })
  .describe('Error');

export type ErrorBody = z.infer<typeof errorBodySchema>;

function validationDetail(
  err: FastifyError & { validation: { instancePath: string; message?: string }[] },
): string {
  const where = err.validationContext ?? 'request';
  return err.validation
    .map((v) => {
      const field = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return `${field ? `${where}.${field}` : where}: ${v.message ?? 'is invalid'}`;
    })
    .join('; ');
}

/** Turns any thrown error into the reference's error body and its status. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof AppError) {
    return { error: err.title, detail: err.message, status: err.status, code: err.code };
  }
  const fe = err as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fe)) {
    return { error: 'Bad Request', detail: validationDetail(fe), status: 400, code: 'invalid_request' };
  }
  const status =
    typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
  if (status >= 500) {
    return {
      error: titleForStatus(500),
      detail: 'Something went wrong on our end.',
      status,
      code: 'internal',
    };
  }
  if (status === 429) {
    return { error: titleForStatus(429), detail: fe.message, status, code: 'rate_limited' };
  }
  const code = fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'invalid_request';
  return { error: titleForStatus(status), detail: fe.message, status, code };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const body = toErrorBody(err);
    if (body.status >= 500) request.log.error({ err }, 'request failed');
    return reply.status(body.status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      error: 'Not Found',
      detail: `There is no ${request.method} ${request.url.split('?')[0]}; see /openapi.json for every route.`,
      status: 404,
      code: 'route_not_found',
    };
    return reply.status(404).send(body);
  });
}
