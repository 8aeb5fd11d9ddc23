// The one error type. Each transport maps it once: REST to {error, detail, status}, MCP to isError, chat to an error event.
import { STATUS_CODES } from 'node:http';

export const ERROR_KINDS = {
  bad_request: { status: 400, title: 'Bad Request' },
  unauthorized: { status: 401, title: 'Invalid credentials' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not Found' },
  conflict: { status: 409, title: 'Conflict' },
  unprocessable: { status: 422, title: 'Unprocessable Entity' },
  rate_limited: { status: 429, title: 'Rate limit exceeded' },
  unavailable: { status: 503, title: 'Service Unavailable' },
  internal: { status: 500, title: 'Server Error' },
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;

export type AppErrorOptions = {
  /** Stable machine-readable code, e.g. "user_not_found". Defaults to the kind. */
  code?: string;
  /** Short human title; defaults to the kind's title. */
  title?: string;
  /** Whether the same call may succeed if retried later. */
  retryable?: boolean;
  cause?: unknown;
};

export class AppError extends Error {
  override name = 'AppError';
  readonly kind: ErrorKind;
  readonly code: string;
  readonly title: string;
  readonly retryable: boolean;

  constructor(kind: ErrorKind, detail: string, options: AppErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.code = options.code ?? kind;
    this.title = options.title ?? ERROR_KINDS[kind].title;
    this.retryable = options.retryable ?? (kind === 'rate_limited' || kind === 'unavailable');
  }

  get status(): number {
    return ERROR_KINDS[this.kind].status;
  }
}

/** The title for an HTTP status outside our own errors (Fastify's, the rate limiter's). */
export function titleForStatus(status: number): string {
  const kind = (Object.keys(ERROR_KINDS) as ErrorKind[]).find((k) => ERROR_KINDS[k].status === status);
  return kind ? ERROR_KINDS[kind].title : (STATUS_CODES[status] ?? ERROR_KINDS.internal.title);
}
