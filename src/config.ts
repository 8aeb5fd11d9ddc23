// Every setting Aisle reads, parsed once from the environment with zod. Defaults need nothing installed.
import path from 'node:path';
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const urlWithProtocol = (protocols: string[]) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const integer = (fallback: number, min: number, max: number) =>
  optionalString.pipe(
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().int().min(min).max(max))
      .optional()
      .transform((v) => v ?? fallback),
  );

const envSchema = z.object({
  PORT: integer(8080, 0, 65535),
  HOST: optionalString.transform((v) => v ?? '127.0.0.1'),
  AISLE_DATA_DIR: optionalString.transform((v) => path.resolve(v ?? './.aisle')),
  DATABASE_URL: urlWithProtocol(['postgres:', 'postgresql:']),
  LOG_LEVEL: optionalString.pipe(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
  ),
  LOG_FORMAT: optionalString.pipe(z.enum(['auto', 'json', 'pretty']).optional().default('auto')),
  AISLE_ADMIN_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  REDIS_URL: urlWithProtocol(['redis:', 'rediss:']),
  AISLE_RATE_LIMIT_PER_MINUTE: integer(100, 1, 1_000_000),
  AISLE_ALLOWED_HOSTS: optionalString.transform((v) =>
    (v ?? 'localhost,127.0.0.1,[::1]')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  ),
  AISLE_DEMO_CATALOG: optionalString.pipe(z.enum(['auto', 'off']).optional().default('auto')),
  AISLE_WEBHOOK_TIMEOUT_MS: integer(10_000, 100, 120_000),
  AISLE_WEBHOOK_MAX_ATTEMPTS: integer(12, 1, 100),
  AISLE_WEBHOOK_RETRY_BASE_MS: integer(10_000, 1, 3_600_000),
  AISLE_WEBHOOK_RETRY_MAX_MS: integer(3_600_000, 1, 86_400_000),
  AISLE_OUTBOX_POLL_MS: integer(1000, 10, 60_000),
  AISLE_OUTBOX_WORKER: optionalString.pipe(z.enum(['on', 'off']).optional().default('on')),
  AISLE_QUOTE_TTL_SECONDS: integer(900, 10, 86_400),
  AISLE_MCP_ELICITATION_TIMEOUT_MS: integer(120_000, 100, 3_600_000),
  AISLE_CHECKOUT_TIMEOUT_SECONDS: integer(900, 10, 86_400),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: urlWithProtocol(['http:', 'https:']),
  ANTHROPIC_MODEL: optionalString.transform((v) => v ?? 'claude-sonnet-5'),
  AISLE_AGENT_MAX_ROUNDS: integer(8, 1, 50),
  AISLE_AGENT_MAX_TOKENS: integer(1024, 64, 64_000),
  AISLE_AGENT_CONTEXT_TOKENS: integer(24_000, 1000, 1_000_000),
  AISLE_AGENT_TIMEOUT_MS: integer(60_000, 1000, 600_000),
  AISLE_CHAT_MESSAGES_PER_MINUTE: integer(30, 1, 10_000),
  AISLE_CHAT_MAX_MESSAGE_CHARS: integer(4000, 1, 100_000),
  AISLE_CHAT_SESSION_TTL_SECONDS: integer(900, 10, 86_400),
  AISLE_CHAT_HEARTBEAT_MS: integer(30_000, 100, 600_000),
  AISLE_ENCRYPTION_KEY: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters (e.g. `openssl rand -base64 32`)',
  }),
  AISLE_PUBLIC_URL: urlWithProtocol(['http:', 'https:']),
  AISLE_RECONCILE_INTERVAL_SECONDS: integer(900, 0, 86_400),
  AISLE_METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  AISLE_WORKER_PORT: integer(9090, 0, 65535),
  AISLE_TRUST_PROXY: optionalString.transform((v): boolean | number | string => {
    if (v === undefined || v === 'false') return false;
    if (v === 'true') return true;
    return /^\d+$/.test(v) ? Number(v) : v;
  }),
  MEILI_HOST: urlWithProtocol(['http:', 'https:']),
  MEILI_API_KEY: optionalString,
  MEILI_INDEX: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,400}$/, 'must be letters, digits, - or _')
      .optional()
      .default('aisle_products'),
  ),
  MEILI_EMBEDDER: optionalString.pipe(
    z
      .string()
      .transform((v, ctx) => {
        try {
          const parsed: unknown = JSON.parse(v);
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
            return parsed as Record<string, unknown>;
        } catch {
          // reported below
        }
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of Meilisearch embedder settings' });
        return z.NEVER;
      })
      .optional(),
  ),
  MEILI_SEMANTIC_RATIO: optionalString.pipe(
    z
      .string()
      .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'must be a number from 0 to 1')
      .transform(Number)
      .optional()
      .default(0.5),
  ),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  logLevel: string;
  logFormat: 'auto' | 'json' | 'pretty';
  adminToken: string | undefined;
  redisUrl: string | undefined;
  rateLimitPerMinute: number;
  /** Host names (no port) that /mcp answers to, against DNS rebinding; "*" = any. */
  allowedHosts: string[];
  /** auto = load the shipped demo catalog when the catalog is empty at `aisle serve`. */
  demoCatalog: 'auto' | 'off';
  webhooks: {
    /** How long one webhook attempt may take before it counts as unanswered. */
    timeoutMs: number;
    /** Attempts of a retried event (charge, order_followup, merchant hand-off) before it is dead-lettered. */
    maxAttempts: number;
    /** Retry n waits a random time up to min(maxMs, baseMs * 2^(n-1)) (exponential backoff, full jitter). */
    retryBaseMs: number;
    retryMaxMs: number;
  };
  outbox: { pollMs: number; worker: boolean };
  agent: {
    /** Claude when set; else the offline deterministic agent. */
    anthropicApiKey: string | undefined;
    anthropicBaseUrl: string | undefined;
    model: string;
    /** Model calls (tool rounds) per chat turn at most. */
    maxRounds: number;
    maxTokens: number;
    /** The conversation sent to the model is trimmed to about this many tokens, keeping the latest turns. */
    contextTokens: number;
    /** One model call may take this long (retries included) before the turn gives up with a friendly message. */
    timeoutMs: number;
  };
  chat: {
    /** Messages a minute per socket; more closes it with 4029. */
    messagesPerMinute: number;
    maxMessageChars: number;
    /** How long a token from POST /api/v1/sessions/ can open a socket. */
    sessionTtlSeconds: number;
    /** Sockets are pinged this often; one that did not answer the previous ping is closed. */
    heartbeatMs: number;
  };
  /** Bearer token /metrics wants, when set. */
  metricsToken: string | undefined;
  /** The health and metrics port of `aisle worker` (0 = none). */
  workerPort: number;
  /**
   * Behind a reverse proxy: trust its X-Forwarded-* headers (client IP for rate limits, https for Secure cookies).
   * true, a hop count, or a comma list of proxy addresses/CIDRs; false by default (a direct client could forge them).
   */
  trustProxy: boolean | number | string;
  stores: {
    /** Encrypts store credentials at rest; unset = a key file generated in AISLE_DATA_DIR (one node only). */
    encryptionKey: string | undefined;
    /** This server's public URL, for the webhook addresses stores are given. */
    publicUrl: string | undefined;
    /** How often connected stores are reconciled (changes the webhooks missed); 0 = never. */
    reconcileIntervalSeconds: number;
  };
  mcp: {
    /** How long buy_product waits for the human's answer to an elicitation before falling back to the token path. */
    elicitationTimeoutMs: number;
  };
  checkout: {
    /** How long a quote can be confirmed. */
    quoteTtlSeconds: number;
    /** A PENDING order older than this (its balance check never resolved) expires and frees its stock. */
    pendingTimeoutSeconds: number;
  };
  meili:
    | {
        host: string;
        apiKey: string | undefined;
        index: string;
        embedder: Record<string, unknown> | undefined;
        semanticRatio: number;
      }
    | undefined;
};

/** A setting that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const shown =
        name in envSchema.shape && !/TOKEN|KEY|SECRET|URL|EMBEDDER/.test(name) ? ` (got "${env[name]}")` : '';
      return `  ${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.AISLE_DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    adminToken: e.AISLE_ADMIN_TOKEN,
    redisUrl: e.REDIS_URL,
    rateLimitPerMinute: e.AISLE_RATE_LIMIT_PER_MINUTE,
    allowedHosts: e.AISLE_ALLOWED_HOSTS,
    demoCatalog: e.AISLE_DEMO_CATALOG,
    webhooks: {
      timeoutMs: e.AISLE_WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.AISLE_WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: e.AISLE_WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.AISLE_WEBHOOK_RETRY_MAX_MS,
    },
    outbox: { pollMs: e.AISLE_OUTBOX_POLL_MS, worker: e.AISLE_OUTBOX_WORKER === 'on' },
    mcp: { elicitationTimeoutMs: e.AISLE_MCP_ELICITATION_TIMEOUT_MS },
    metricsToken: e.AISLE_METRICS_TOKEN,
    workerPort: e.AISLE_WORKER_PORT,
    trustProxy: e.AISLE_TRUST_PROXY,
    stores: {
      encryptionKey: e.AISLE_ENCRYPTION_KEY,
      publicUrl: e.AISLE_PUBLIC_URL,
      reconcileIntervalSeconds: e.AISLE_RECONCILE_INTERVAL_SECONDS,
    },
    agent: {
      anthropicApiKey: e.ANTHROPIC_API_KEY,
      anthropicBaseUrl: e.ANTHROPIC_BASE_URL,
      model: e.ANTHROPIC_MODEL,
      maxRounds: e.AISLE_AGENT_MAX_ROUNDS,
      maxTokens: e.AISLE_AGENT_MAX_TOKENS,
      contextTokens: e.AISLE_AGENT_CONTEXT_TOKENS,
      timeoutMs: e.AISLE_AGENT_TIMEOUT_MS,
    },
    chat: {
      messagesPerMinute: e.AISLE_CHAT_MESSAGES_PER_MINUTE,
      maxMessageChars: e.AISLE_CHAT_MAX_MESSAGE_CHARS,
      sessionTtlSeconds: e.AISLE_CHAT_SESSION_TTL_SECONDS,
      heartbeatMs: e.AISLE_CHAT_HEARTBEAT_MS,
    },
    checkout: {
      quoteTtlSeconds: e.AISLE_QUOTE_TTL_SECONDS,
      pendingTimeoutSeconds: e.AISLE_CHECKOUT_TIMEOUT_SECONDS,
    },
    meili: e.MEILI_HOST
      ? {
          host: e.MEILI_HOST,
          apiKey: e.MEILI_API_KEY,
          index: e.MEILI_INDEX,
          embedder: e.MEILI_EMBEDDER,
          semanticRatio: e.MEILI_SEMANTIC_RATIO,
        }
      : undefined,
  };
}
