// Authentication: X-Client-ID + X-Secret-Key for integrators, a bearer token for operators.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateCompany, type CompanyRow } from '../../commerce/index.js';
import type { Db } from '../../db/client.js';
import { AppError } from '../../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated company; set on every /api/v1 route before the handler runs. */
    company: CompanyRow | null;
  }
}

const BAD_CREDENTIALS = 'The X-Client-ID or X-Secret-Key header is missing or invalid.';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
}

/** Adds the company-credentials check to every route of `scope`. */
export function requireCompany(scope: FastifyInstance, db: Db): void {
  scope.decorateRequest('company', null);
  scope.addHook('onRequest', async (request) => {
    const clientId = header(request, 'x-client-id');
    const secretKey = header(request, 'x-secret-key');
    const company = clientId && secretKey ? await authenticateCompany(db, clientId, secretKey) : null;
    if (!company) throw new AppError('unauthorized', BAD_CREDENTIALS, { code: 'invalid_credentials' });
    request.company = company;
  });
}

/** The authenticated company of a request in a `requireCompany` scope. */
export function companyOf(request: FastifyRequest): CompanyRow {
  if (!request.company) throw new AppError('unauthorized', BAD_CREDENTIALS, { code: 'invalid_credentials' });
  return request.company;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Adds the operator bearer-token check to every route of `scope`. */
export function requireAdmin(scope: FastifyInstance, tokens: string[]): void {
  const accepted = tokens.map(digest);
  scope.addHook('onRequest', async (request) => {
    if (accepted.length === 0) {
      throw new AppError('forbidden', 'The admin API is disabled; set AISLE_ADMIN_TOKEN to enable it.', {
        code: 'admin_disabled',
      });
    }
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    const given = digest(match?.[1] ?? '');
    // Compare digests so every comparison takes the same time whatever the token's length.
    if (!accepted.some((t) => timingSafeEqual(t, given))) {
      throw new AppError('unauthorized', 'The Authorization header must be "Bearer <AISLE_ADMIN_TOKEN>".', {
        code: 'invalid_admin_token',
      });
    }
  });
}
