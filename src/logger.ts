// The process logger (pino, Fastify's own): JSON lines, or pretty on a terminal; secrets never reach it.
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

const SECRET_QUERY_PARAMS =
  /([?&](?:secret_key|token|api_key|access_token|consumer_key|consumer_secret)=)[^&#]*/gi;

/** A URL with its credential-bearing query parameters replaced, safe to log. */
export function redactQuery(url: string): string {
  return url.replace(SECRET_QUERY_PARAMS, '$1[redacted]');
}

/** The logger; `destination` (tests) receives JSON lines instead of stdout. */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'logFormat'>,
  destination?: pino.DestinationStream,
): Logger {
  const pretty =
    !destination &&
    (config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true));
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers["x-secret-key"]',
        'req.headers.authorization',
        'req.headers.cookie',
        '*.secret_key',
        '*.secretKey',
        '*.webhook_secret',
        '*.webhookSecret',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; id?: string }) => ({
        method: req.method,
        url: redactQuery(req.url),
        remoteAddress: req.ip,
      }),
    },
    ...(pretty && {
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' },
      },
    }),
  };
  return destination ? pino(options, destination) : pino(options);
}
