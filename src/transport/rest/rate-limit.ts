// 100 requests a minute per API key (AISLE_RATE_LIMIT_PER_MINUTE), counted in Redis when REDIS_URL is set so nodes share it.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError } from '../../errors.js';

export async function limitPerApiKey(
  scope: FastifyInstance,
  options: { max: number; redis: Redis | undefined },
) {
  await scope.register(rateLimit, {
    max: options.max,
    timeWindow: 60_000,
    // After authentication (onRequest), so the key is the verified client id, never a forged header.
    hook: 'preValidation',
    keyGenerator: (request) => `key:${request.company?.clientId ?? request.ip}`,
    ...(options.redis && { redis: options.redis, nameSpace: 'aisle:rl:' }),
    // If Redis fails, serve the request rather than fail it; the error is logged.
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      new AppError(
        'rate_limited',
        `Too many requests: the limit is ${context.max} per minute per API key. Retry in ${Math.ceil(context.ttl / 1000)} s.`,
        { code: 'rate_limited' },
      ),
  });
}
