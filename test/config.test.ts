import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('needs nothing set: embedded defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: path.resolve('.aisle'),
      databaseUrl: undefined,
      logLevel: 'info',
      redisUrl: undefined,
      adminToken: undefined,
      rateLimitPerMinute: 100,
    });
  });

  it('reads every setting', () => {
    const c = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      AISLE_DATA_DIR: '/tmp/x',
      DATABASE_URL: 'postgres://u:p@db:5432/aisle',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      AISLE_ADMIN_TOKEN: 'a-long-enough-token',
      REDIS_URL: 'redis://127.0.0.1:6379',
      AISLE_RATE_LIMIT_PER_MINUTE: '250',
      AISLE_WEBHOOK_TIMEOUT_MS: '5000',
      AISLE_WEBHOOK_MAX_ATTEMPTS: '8',
      AISLE_WEBHOOK_RETRY_BASE_MS: '2000',
      AISLE_WEBHOOK_RETRY_MAX_MS: '600000',
      AISLE_OUTBOX_WORKER: 'off',
      AISLE_OUTBOX_POLL_MS: '250',
      AISLE_QUOTE_TTL_SECONDS: '300',
      AISLE_CHECKOUT_TIMEOUT_SECONDS: '600',
      AISLE_MCP_ELICITATION_TIMEOUT_MS: '30000',
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9999',
      ANTHROPIC_MODEL: 'claude-opus-5-5',
      AISLE_AGENT_MAX_ROUNDS: '5',
      AISLE_AGENT_MAX_TOKENS: '2048',
      AISLE_AGENT_CONTEXT_TOKENS: '8000',
      AISLE_AGENT_TIMEOUT_MS: '20000',
      AISLE_CHAT_MESSAGES_PER_MINUTE: '10',
      AISLE_CHAT_MAX_MESSAGE_CHARS: '500',
      AISLE_CHAT_SESSION_TTL_SECONDS: '60',
      AISLE_CHAT_HEARTBEAT_MS: '5000',
    });
    expect(c).toEqual({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/tmp/x',
      databaseUrl: 'postgres://u:p@db:5432/aisle',
      logLevel: 'debug',
      logFormat: 'json',
      adminToken: 'a-long-enough-token',
      redisUrl: 'redis://127.0.0.1:6379',
      rateLimitPerMinute: 250,
      allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
      demoCatalog: 'auto',
      webhooks: { timeoutMs: 5000, maxAttempts: 8, retryBaseMs: 2000, retryMaxMs: 600000 },
      outbox: { pollMs: 250, worker: false },
      checkout: { quoteTtlSeconds: 300, pendingTimeoutSeconds: 600 },
      mcp: { elicitationTimeoutMs: 30000 },
      agent: {
        anthropicApiKey: 'sk-ant-test',
        anthropicBaseUrl: 'http://127.0.0.1:9999',
        model: 'claude-opus-5-5',
        maxRounds: 5,
        maxTokens: 2048,
        contextTokens: 8000,
        timeoutMs: 20000,
      },
      chat: { messagesPerMinute: 10, maxMessageChars: 500, sessionTtlSeconds: 60, heartbeatMs: 5000 },
      metricsToken: undefined,
      workerPort: 9090,
      trustProxy: false,
      stores: { encryptionKey: undefined, publicUrl: undefined, reconcileIntervalSeconds: 900 },
      meili: undefined,
    });
  });

  it('has webhook, outbox and checkout defaults, and refuses out-of-range values', () => {
    expect(loadConfig({})).toMatchObject({
      webhooks: { timeoutMs: 10_000, maxAttempts: 12, retryBaseMs: 10_000, retryMaxMs: 3_600_000 },
      outbox: { pollMs: 1000, worker: true },
      checkout: { quoteTtlSeconds: 900, pendingTimeoutSeconds: 900 },
    });
    expect(() => loadConfig({ AISLE_WEBHOOK_TIMEOUT_MS: '50' })).toThrow(/AISLE_WEBHOOK_TIMEOUT_MS/);
    expect(() => loadConfig({ AISLE_OUTBOX_WORKER: 'maybe' })).toThrow(/AISLE_OUTBOX_WORKER/);
    expect(loadConfig({ AISLE_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ AISLE_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ AISLE_TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toBe('10.0.0.0/8');
    expect(() => loadConfig({ AISLE_ENCRYPTION_KEY: 'short' })).toThrow(
      /AISLE_ENCRYPTION_KEY: must be at least 32/,
    );
    expect(() => loadConfig({ AISLE_METRICS_TOKEN: 'short' })).toThrow(/AISLE_METRICS_TOKEN/);
  });

  it('reads the Meilisearch settings', () => {
    expect(
      loadConfig({
        MEILI_HOST: 'http://127.0.0.1:7700',
        MEILI_API_KEY: 'master',
        MEILI_EMBEDDER: '{"source": "ollama", "model": "nomic-embed-text"}',
        MEILI_SEMANTIC_RATIO: '0.7',
        AISLE_DEMO_CATALOG: 'off',
      }),
    ).toMatchObject({
      demoCatalog: 'off',
      meili: {
        host: 'http://127.0.0.1:7700',
        apiKey: 'master',
        index: 'aisle_products',
        embedder: { source: 'ollama', model: 'nomic-embed-text' },
        semanticRatio: 0.7,
      },
    });
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: ' ' })).toMatchObject({ port: 8080, databaseUrl: undefined });
  });

  it.each([
    ['PORT', 'eighty', /PORT: must be a whole number \(got "eighty"\)/],
    ['PORT', '70000', /PORT: .*65535/],
    [
      'DATABASE_URL',
      'mysql://x/y',
      /DATABASE_URL: must be a URL starting with postgres:\/\/ or postgresql:\/\//,
    ],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: .*got "loud"/],
    ['REDIS_URL', 'http://x', /REDIS_URL: must be a URL starting with redis:/],
    ['AISLE_ADMIN_TOKEN', 'short', /AISLE_ADMIN_TOKEN: must be at least 16 characters$/m],
    ['AISLE_RATE_LIMIT_PER_MINUTE', '0', /AISLE_RATE_LIMIT_PER_MINUTE: /],
    ['AISLE_DEMO_CATALOG', 'yes', /AISLE_DEMO_CATALOG: /],
    ['MEILI_HOST', 'meili:7700', /MEILI_HOST: must be a URL starting with http:\/\/ or https:\/\//],
    [
      'MEILI_EMBEDDER',
      '{"apiKey": ',
      /MEILI_EMBEDDER: must be a JSON object of Meilisearch embedder settings$/m,
    ],
    ['MEILI_SEMANTIC_RATIO', '1.5', /MEILI_SEMANTIC_RATIO: must be a number from 0 to 1/],
    ['MEILI_INDEX', 'a b', /MEILI_INDEX: must be letters, digits/],
  ])('a bad %s stops start-up with a message naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('never echoes a secret-bearing value', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@x/y' })).not.toThrow(/hunter2/);
  });
});
