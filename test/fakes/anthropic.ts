// A stand-in for the Anthropic Messages API: a real HTTP server on loopback serving `POST /v1/messages` the way the
// `@anthropic-ai/sdk` 1.x client expects it (the SSE wire format its `core/streaming` parser and `MessageStream`
// accumulate, the error bodies its `APIError` reads). Each test scripts the replies; every request is recorded; and
// requests are validated like the real API does, so bugs in how we build conversations surface as 400s here too.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Anthropic from '@anthropic-ai/sdk';

type StopReason = Anthropic.Messages.StopReason;
type Usage = Anthropic.Messages.Usage;
type Json = Record<string, unknown>;

/** The API version from which `temperature`, `top_p` and `top_k` are rejected. */
export const SAMPLING_REMOVED_IN = '2026-10-21';
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/** A request as the fake saw it: the parsed JSON body plus the (lower-cased) headers. */
export type FakeAnthropicRequest = {
  /** Position among all requests received (0-based). */
  index: number;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (`{}` when it was not a JSON object; see `rawBody`). */
  body: Json;
  rawBody: string;
};

/** A recorded request; `status` is filled in once the fake has answered (undefined while it hangs). */
export type ReceivedRequest = FakeAnthropicRequest & { status?: number };

export type ScriptedToolUse = { id?: string; name: string; input: Record<string, unknown> };
export type UsageOverride = Partial<
  Pick<Usage, 'input_tokens' | 'output_tokens' | 'cache_creation_input_tokens' | 'cache_read_input_tokens'>
>;

type Timing = {
  /** Wait this long before answering (before the response headers). */
  delayMs?: number;
  /** Streaming only: wait this long between SSE events. */
  chunkDelayMs?: number;
};

/** A model turn: optional text (an array is streamed in exactly these chunks), then tool_use blocks. */
export type MessageReply = Timing & {
  text?: string | string[];
  toolUses?: ScriptedToolUse[];
  /** Default: 'tool_use' when `toolUses` is non-empty, else 'end_turn'. */
  stopReason?: StopReason;
  /** Overrides the computed usage figures. */
  usage?: UsageOverride;
  /** Overrides the model echoed back (default: the request's `model`). */
  model?: string;
  /** 'midStream': send the headers, `message_start` and the first content delta, then stall forever. */
  hang?: 'midStream';
};
/** An HTTP error answer, e.g. 529 overloaded_error, 429 rate_limit_error (with retry-after), 500 api_error. */
export type ErrorReply = Timing & {
  error: { status: number; type: string; message: string; headers?: Record<string, string> };
};
/** Streaming: start the message (and any text), then send `event: error`. Non-streaming: an HTTP error. */
export type StreamErrorReply = Timing & {
  text?: string | string[];
  streamError: { type: string; message: string };
};
/** Never answer (not even headers): for timeouts and aborts. */
export type HangReply = { hang: true };
export type Reply = MessageReply | ErrorReply | StreamErrorReply | HangReply;
export type ReplyFn = (request: FakeAnthropicRequest) => Reply | Promise<Reply>;
/** A queue of replies (one is used per valid request, in order) or a function deciding each one. */
export type Script = Reply[] | ReplyFn;

const STATUS_BY_ERROR_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};
const ERROR_TYPE_BY_STATUS = Object.fromEntries(
  Object.entries(STATUS_BY_ERROR_TYPE).map(([type, status]) => [status, type]),
) as Record<number, string>;

/** Builders for scripted replies. */
export const reply = {
  /** A text turn; an array is streamed as these chunks. */
  text: (text: string | string[], extra: Partial<MessageReply> = {}): MessageReply => ({ text, ...extra }),
  /** One tool call (optionally preceded by some text); stop_reason 'tool_use'. */
  tool: (
    name: string,
    input: Record<string, unknown> = {},
    extra: Partial<MessageReply> & { id?: string } = {},
  ): MessageReply => {
    const { id, ...rest } = extra;
    return { toolUses: [{ ...(id ? { id } : {}), name, input }], ...rest };
  },
  /** Several tool calls in one turn (parallel tool use). */
  tools: (toolUses: ScriptedToolUse[], extra: Partial<MessageReply> = {}): MessageReply => ({
    toolUses,
    ...extra,
  }),
  /** An HTTP error, e.g. `reply.error(529, 'overloaded_error')`; the type defaults from the status. */
  error: (status: number, type?: string, message?: string, headers?: Record<string, string>): ErrorReply => {
    const t = type ?? ERROR_TYPE_BY_STATUS[status] ?? 'api_error';
    return {
      error: { status, type: t, message: message ?? defaultMessage(t), ...(headers ? { headers } : {}) },
    };
  },
  overloaded: (): ErrorReply => reply.error(529, 'overloaded_error', 'Overloaded'),
  rateLimited: (retryAfterSeconds = 1): ErrorReply =>
    reply.error(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', {
      'retry-after': String(retryAfterSeconds),
    }),
  /** `event: error` after the message (and any `text`) has started streaming. */
  streamError: (type = 'overloaded_error', message?: string, text?: string | string[]): StreamErrorReply => ({
    streamError: { type, message: message ?? defaultMessage(type) },
    ...(text !== undefined ? { text } : {}),
  }),
  hang: (): HangReply => ({ hang: true }),
  delayed: <R extends MessageReply | ErrorReply | StreamErrorReply>(delayMs: number, r: R): R => ({
    ...r,
    delayMs,
  }),
};

function defaultMessage(type: string): string {
  switch (type) {
    case 'overloaded_error':
      return 'Overloaded';
    case 'rate_limit_error':
      return 'Rate limited';
    case 'api_error':
      return 'Internal server error';
    default:
      return type;
  }
}

export type FakeAnthropicOptions = {
  /** The key requests must carry (as `Authorization: Bearer` or `x-api-key`). Default 'sk-ant-fake-key'. */
  apiKey?: string;
  script?: Script;
  /**
   * Reject consecutive messages with the same role (default true). Note the real API documents that it merges
   * consecutive same-role turns instead; strictness here catches a conversation our loop built wrongly.
   */
  strictAlternation?: boolean;
  /** Prefixes shorter than this (in estimated tokens) are not cached, like the real minimum. Default 0. */
  minCacheableTokens?: number;
  /**
   * Answer 500 (no retry) when a scripted tool_use names a tool the request did not offer (default true): the real
   * model could not have called it, so either the script or our request is wrong.
   */
  checkScriptedToolNames?: boolean;
};

export type FakeAnthropic = {
  /** Base URL to pass as `baseURL` (no trailing slash, no `/v1`). */
  url: string;
  apiKey: string;
  received: ReceivedRequest[];
  /** Replace the script from now on. */
  script(script: Script): void;
  /** Queued replies not used yet (0 when scripted by a function). */
  remaining(): number;
  /** Script mistakes the fake answered with a 500 (unscripted request, unknown tool name). */
  problems: string[];
  close(): Promise<void>;
};

type ApiError = { status: number; type: string; message: string };
const invalid = (message: string): ApiError => ({ status: 400, type: 'invalid_request_error', message });

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomId(prefix: string): string {
  const bytes = crypto.randomBytes(22);
  let s = '';
  for (const b of bytes) s += BASE62[b % 62];
  return `${prefix}01${s}`;
}

const estimateTokens = (chars: number) => Math.ceil(chars / 4);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A message's content as blocks (a string is shorthand for one text block). */
function blocksOf(content: unknown): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isObject) : [];
}

type Turn = { index: number; role: 'user' | 'assistant'; blocks: Json[] };

/** The tool_result blocks of a user turn must answer tool_use blocks of the turn before, and come first. */
function checkToolResults(turn: Turn, prev: Turn | undefined): ApiError | null {
  if (turn.role !== 'user') return null;
  const prevIds = new Set(
    prev?.role === 'assistant'
      ? prev.blocks.filter((b) => b.type === 'tool_use').map((b) => String(b.id))
      : [],
  );
  let sawOther = false;
  for (const [j, b] of turn.blocks.entries()) {
    if (b.type !== 'tool_result') {
      sawOther = true;
      continue;
    }
    if (!prevIds.has(String(b.tool_use_id)))
      return invalid(
        `messages.${turn.index}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(b.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
      );
    if (sawOther)
      return invalid(
        `messages.${turn.index}.content.${j}: \`tool_result\` blocks must come first in the user message, before any other content`,
      );
  }
  return null;
}

function validateRequest(
  body: Json,
  headers: http.IncomingHttpHeaders,
  strictAlternation: boolean,
): ApiError | null {
  if ('thread' in body)
    return invalid(
      'thread: message threads are not emulated by the fake; pass `thread: false` (full history)',
    );
  if (typeof body.model !== 'string' || body.model === '') return invalid('model: Field required');
  if (!('max_tokens' in body)) return invalid('max_tokens: Field required');
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 0)
    return invalid('max_tokens: Input should be a valid non-negative integer');
  if (!('messages' in body)) return invalid('messages: Field required');
  if (!Array.isArray(body.messages)) return invalid('messages: Input should be a valid list');
  if (body.messages.length === 0) return invalid('messages: at least one message is required');
  if ('stream' in body && typeof body.stream !== 'boolean')
    return invalid('stream: Input should be a valid boolean');

  const version = String(headers['anthropic-version'] ?? '');
  if (version >= SAMPLING_REMOVED_IN) {
    for (const p of ['temperature', 'top_p', 'top_k'])
      if (p in body)
        return invalid(`${p}: this parameter was removed in anthropic-version ${SAMPLING_REMOVED_IN}`);
  }

  if ('system' in body && body.system !== undefined) {
    const s = body.system;
    if (Array.isArray(s)) {
      for (const [i, b] of s.entries())
        if (!isObject(b) || b.type !== 'text' || typeof b.text !== 'string')
          return invalid(`system.${i}: Input should be a text block`);
    } else if (typeof s !== 'string')
      return invalid('system: Input should be a valid string or list of text blocks');
  }

  const toolNames = new Set<string>();
  if ('tools' in body) {
    if (!Array.isArray(body.tools)) return invalid('tools: Input should be a valid list');
    for (const [i, tool] of body.tools.entries()) {
      if (!isObject(tool)) return invalid(`tools.${i}: Input should be an object`);
      const serverTool = typeof tool.type === 'string' && tool.type !== 'custom';
      if (typeof tool.name !== 'string' || (!serverTool && !TOOL_NAME.test(tool.name)))
        return invalid(`tools.${i}.custom.name: String should match pattern '${TOOL_NAME.source}'`);
      if (toolNames.has(tool.name)) return invalid('tools: Tool names must be unique.');
      toolNames.add(tool.name);
      if (serverTool) continue;
      if (!isObject(tool.input_schema)) return invalid(`tools.${i}.custom.input_schema: Field required`);
      if (tool.input_schema.type !== 'object')
        return invalid(`tools.${i}.custom.input_schema.type: Input should be 'object'`);
    }
  }
  if (isObject(body.tool_choice)) {
    const choice = body.tool_choice;
    if ((choice.type === 'any' || choice.type === 'tool') && toolNames.size === 0)
      return invalid('tool_choice: may only be specified while providing tools.');
    if (choice.type === 'tool' && !toolNames.has(String(choice.name)))
      return invalid(`tool_choice.name: tool '${String(choice.name)}' not found in tools`);
  }

  // The conversation itself.
  const messages = body.messages as unknown[];
  const turns: Turn[] = [];
  for (const [i, m] of messages.entries()) {
    if (!isObject(m)) return invalid(`messages.${i}: Input should be an object`);
    if (m.role !== 'user' && m.role !== 'assistant' && m.role !== 'system')
      return invalid(`messages.${i}.role: Input should be 'user', 'assistant' or 'system'`);
    if (typeof m.content !== 'string' && !Array.isArray(m.content))
      return invalid(`messages.${i}.content: Input should be a valid string or list of content blocks`);
    const blocks = blocksOf(m.content);
    if (Array.isArray(m.content) && blocks.length !== m.content.length)
      return invalid(`messages.${i}.content: every content block must be an object`);
    const last = i === messages.length - 1;
    if (blocks.length === 0 || (typeof m.content === 'string' && m.content === '')) {
      if (!(last && m.role === 'assistant'))
        return invalid(
          `messages.${i}: all messages must have non-empty content except for the optional final assistant message`,
        );
    }
    for (const [j, b] of blocks.entries()) {
      if (typeof b.type !== 'string') return invalid(`messages.${i}.content.${j}.type: Field required`);
      if (b.type === 'text' && (typeof b.text !== 'string' || (b.text === '' && Array.isArray(m.content))))
        return invalid(`messages.${i}.content.${j}: text content blocks must be non-empty`);
      if (b.type === 'tool_use' && m.role !== 'assistant')
        return invalid(`messages.${i}.content.${j}: tool_use blocks can only appear in assistant messages`);
      if (b.type === 'tool_result' && m.role !== 'user')
        return invalid(`messages.${i}.content.${j}: tool_result blocks can only appear in user messages`);
    }
    if (m.role !== 'system') turns.push({ index: i, role: m.role, blocks });
  }
  if (turns[0]?.role !== 'user') return invalid('messages: first message must use the "user" role');

  const seenToolUseIds = new Set<string>();
  for (const [t, turn] of turns.entries()) {
    const prev = turns[t - 1];
    if (strictAlternation && prev && prev.role === turn.role)
      return invalid(
        `messages: roles must alternate between "user" and "assistant", but found multiple "${turn.role}" roles in a row (messages.${prev.index} and messages.${turn.index})`,
      );
    if (turn.role === 'user') {
      const bad = checkToolResults(turn, prev);
      if (bad) return bad;
    } else {
      const ids: string[] = [];
      for (const [j, b] of turn.blocks.entries()) {
        if (b.type !== 'tool_use') continue;
        if (typeof b.id !== 'string' || typeof b.name !== 'string' || !isObject(b.input))
          return invalid(
            `messages.${turn.index}.content.${j}: tool_use blocks need a string id and name and an object input`,
          );
        if (seenToolUseIds.has(b.id))
          return invalid(`messages.${turn.index}.content.${j}: \`tool_use\` ids must be unique`);
        seenToolUseIds.add(b.id);
        ids.push(b.id);
      }
      if (ids.length === 0) continue;
      const next = turns[t + 1];
      // A tool_result answering the wrong id is the more telling error than the tool_use it leaves unanswered.
      const bad = next ? checkToolResults(next, turn) : null;
      if (bad) return bad;
      const answered = new Set(
        next?.role === 'user'
          ? next.blocks.filter((b) => b.type === 'tool_result').map((b) => String(b.tool_use_id))
          : [],
      );
      const missing = ids.filter((id) => !answered.has(id));
      if (missing.length > 0)
        return invalid(
          `messages.${turn.index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
    }
  }
  return null;
}

/**
 * Prompt-cache emulation. The request is flattened in prefix order (tools, system, message blocks); each block
 * carrying `cache_control` (and the last block when the top-level `cache_control` is set) is a breakpoint. The
 * longest breakpoint prefix seen before is read from cache; the rest up to the last breakpoint is written.
 */
class PromptCache {
  private seen = new Set<string>();
  constructor(private minTokens: number) {}

  usage(body: Json): { total: number; read: number; creation: number } {
    const pieces: { text: string; breakpoint: boolean }[] = [];
    const strip = (b: unknown) => {
      if (!isObject(b)) return JSON.stringify(b);
      const { cache_control: _cc, ...rest } = b;
      return JSON.stringify(rest);
    };
    for (const tool of Array.isArray(body.tools) ? body.tools : [])
      pieces.push({
        text: `tool:${strip(tool)}`,
        breakpoint: isObject(tool) && isObject(tool.cache_control),
      });
    for (const b of blocksOf(body.system))
      pieces.push({ text: `system:${strip(b)}`, breakpoint: isObject(b.cache_control) });
    for (const m of Array.isArray(body.messages) ? body.messages : []) {
      if (!isObject(m)) continue;
      for (const b of blocksOf(m.content))
        pieces.push({ text: `${String(m.role)}:${strip(b)}`, breakpoint: isObject(b.cache_control) });
    }
    const last = pieces.at(-1);
    if (last && isObject(body.cache_control)) last.breakpoint = true;

    const hash = crypto.createHash('sha256').update(String(body.model));
    let chars = 0;
    const breakpoints: { key: string; tokens: number }[] = [];
    for (const p of pieces) {
      hash.update(p.text);
      chars += p.text.length;
      if (p.breakpoint && estimateTokens(chars) >= this.minTokens)
        breakpoints.push({ key: hash.copy().digest('hex'), tokens: estimateTokens(chars) });
    }
    const total = Math.max(1, estimateTokens(chars));
    let read = 0;
    for (const bp of [...breakpoints].reverse())
      if (this.seen.has(bp.key)) {
        read = bp.tokens;
        break;
      }
    const lastBp = breakpoints.at(-1);
    const creation = lastBp && !this.seen.has(lastBp.key) ? lastBp.tokens - read : 0;
    for (const bp of breakpoints) this.seen.add(bp.key);
    return { total, read, creation };
  }
}

function sse(type: string, data: Json = {}): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** Split a JSON text into several `partial_json` pieces, the first being "" as the real API sends it. */
function jsonPieces(json: string): string[] {
  const size = Math.max(1, Math.ceil(json.length / 3));
  const pieces = [''];
  for (let i = 0; i < json.length; i += size) pieces.push(json.slice(i, i + size));
  return pieces;
}

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const apiKey = options.apiKey ?? 'sk-ant-fake-key';
  const strictAlternation = options.strictAlternation ?? true;
  const checkToolNames = options.checkScriptedToolNames ?? true;
  const cache = new PromptCache(options.minCacheableTokens ?? 0);
  const received: ReceivedRequest[] = [];
  const problems: string[] = [];
  let queue: Reply[] = [];
  let fn: ReplyFn | undefined;
  const setScript = (s: Script) => {
    if (typeof s === 'function') {
      fn = s;
      queue = [];
    } else {
      fn = undefined;
      queue = [...s];
    }
  };
  setScript(options.script ?? []);
  const open = new Set<http.ServerResponse>();

  async function nextReply(request: FakeAnthropicRequest): Promise<Reply | undefined> {
    if (fn) return fn(request);
    return queue.shift();
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, rawBody: string) {
    const requestId = randomId('req_');
    let closed = false;
    res.on('close', () => {
      closed = true;
      open.delete(res);
    });
    open.add(res);

    let body: Json = {};
    let parsed: unknown;
    let parseFailed = false;
    try {
      parsed = JSON.parse(rawBody);
      if (isObject(parsed)) body = parsed;
    } catch {
      parseFailed = true;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const record: ReceivedRequest = {
      index: received.length,
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body,
      rawBody,
    };
    received.push(record);

    const sendError = (e: ApiError, headers: Record<string, string> = {}) => {
      record.status = e.status;
      if (closed) return;
      res
        .writeHead(e.status, { 'content-type': 'application/json', 'request-id': requestId, ...headers })
        .end(
          JSON.stringify({
            type: 'error',
            error: { type: e.type, message: e.message },
            request_id: requestId,
          }),
        );
    };
    const fakeProblem = (message: string) => {
      problems.push(message);
      sendError({ status: 500, type: 'api_error', message }, { 'x-should-retry': 'false' });
    };

    if (req.method !== 'POST' || path !== '/v1/messages')
      return sendError({ status: 404, type: 'not_found_error', message: `Not found: ${req.method} ${path}` });

    const auth = String(req.headers.authorization ?? '');
    const bearer = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : undefined;
    const xApiKey = req.headers['x-api-key'];
    if (bearer !== apiKey && xApiKey !== apiKey) {
      const message =
        bearer === undefined && xApiKey === undefined
          ? 'authentication required: send `Authorization: Bearer <key>` or `x-api-key: <key>`'
          : 'invalid x-api-key';
      return sendError({ status: 401, type: 'authentication_error', message });
    }
    if (!req.headers['anthropic-version']) return sendError(invalid('anthropic-version: header is required'));
    if (parseFailed || !isObject(parsed))
      return sendError(
        invalid('There was an error parsing the body of your request: expected a JSON object'),
      );
    const problem = validateRequest(body, req.headers, strictAlternation);
    if (problem) return sendError(problem);

    const stream = body.stream === true;
    const model = String(body.model);

    // max_tokens 0 pre-warms the cache without generating (and without using a scripted reply).
    let r: Reply | undefined;
    if (body.max_tokens === 0) r = { stopReason: 'max_tokens' };
    else r = await nextReply(record);
    if (!r) return fakeProblem(`fake anthropic: no scripted reply left for request #${record.index}`);
    if ('hang' in r && r.hang === true) return; // kept open until the client gives up or close()

    const timing = r as Timing;
    if (timing.delayMs) await sleep(timing.delayMs);
    if (closed) return;

    if ('error' in r) return sendError(r.error, r.error.headers);
    if ('streamError' in r && !stream)
      return sendError({ status: STATUS_BY_ERROR_TYPE[r.streamError.type] ?? 500, ...r.streamError });

    const m = r as MessageReply & Partial<StreamErrorReply>;
    const texts = (typeof m.text === 'string' ? [m.text] : (m.text ?? [])).filter((t) => t !== '');
    const offered = new Set(
      (Array.isArray(body.tools) ? body.tools : []).filter(isObject).map((t) => String(t.name)),
    );
    if (checkToolNames)
      for (const use of m.toolUses ?? [])
        if (!offered.has(use.name))
          return fakeProblem(
            `fake anthropic: scripted tool_use '${use.name}' is not among the request's tools [${[...offered].join(', ')}]`,
          );
    const toolUses = (m.toolUses ?? []).map((u) => ({
      type: 'tool_use' as const,
      id: u.id ?? randomId('toolu_'),
      name: u.name,
      input: u.input,
    }));
    const content: Json[] = [...(texts.length ? [{ type: 'text', text: texts.join('') }] : []), ...toolUses];
    const stopReason: StopReason = m.stopReason ?? (toolUses.length ? 'tool_use' : 'end_turn');
    const cached = cache.usage(body);
    const outputChars =
      texts.join('').length + toolUses.reduce((n, u) => n + JSON.stringify(u.input).length, 0);
    const usage = {
      input_tokens: m.usage?.input_tokens ?? Math.max(0, cached.total - cached.read - cached.creation),
      cache_creation_input_tokens: m.usage?.cache_creation_input_tokens ?? cached.creation,
      cache_read_input_tokens: m.usage?.cache_read_input_tokens ?? cached.read,
      cache_creation: {
        ephemeral_5m_input_tokens: m.usage?.cache_creation_input_tokens ?? cached.creation,
        ephemeral_1h_input_tokens: 0,
      },
      output_tokens:
        m.usage?.output_tokens ?? (body.max_tokens === 0 ? 0 : Math.max(1, estimateTokens(outputChars))),
      service_tier: 'standard',
    };
    const message = {
      id: randomId('msg_'),
      type: 'message',
      role: 'assistant',
      model: m.model ?? model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    };

    if (!stream) {
      if (m.hang === 'midStream') return;
      record.status = 200;
      res
        .writeHead(200, { 'content-type': 'application/json', 'request-id': requestId })
        .end(JSON.stringify(message));
      return;
    }

    /** Write the events (pausing `chunkDelayMs` between them); stop after index `stallAfter` if it is >= 0. */
    async function writeStream(all: string[], stallAfter: number) {
      record.status = 200;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'request-id': requestId,
      });
      res.flushHeaders();
      for (const [i, event] of all.entries()) {
        if (closed) return;
        if (i > 0 && timing.chunkDelayMs) await sleep(timing.chunkDelayMs);
        if (closed) return;
        res.write(event);
        if (i === stallAfter) return; // stays open until the client gives up or close()
      }
      res.end();
    }

    // Streaming: the events in the order the real API sends them.
    const events: string[] = [];
    events.push(
      sse('message_start', {
        message: {
          ...message,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: Math.min(1, usage.output_tokens) },
        },
      }),
    );
    events.push(sse('ping'));
    let index = 0;
    let firstDelta = -1;
    if (texts.length) {
      events.push(sse('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const text of texts) {
        if (firstDelta < 0) firstDelta = events.length;
        events.push(sse('content_block_delta', { index, delta: { type: 'text_delta', text } }));
      }
      if (!m.streamError) events.push(sse('content_block_stop', { index: index++ }));
    }
    if (m.streamError) {
      events.push(sse('error', { error: m.streamError }));
      return writeStream(events, -1);
    }
    for (const use of toolUses) {
      events.push(
        sse('content_block_start', {
          index,
          content_block: { type: 'tool_use', id: use.id, name: use.name, input: {} },
        }),
      );
      for (const partial_json of jsonPieces(JSON.stringify(use.input))) {
        if (firstDelta < 0) firstDelta = events.length;
        events.push(sse('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }));
      }
      events.push(sse('content_block_stop', { index }));
      index++;
    }
    events.push(
      sse('message_delta', {
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: usage.output_tokens },
      }),
    );
    events.push(sse('message_stop'));
    return writeStream(events, m.hang === 'midStream' ? (firstDelta < 0 ? 1 : firstDelta) : -1);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString()).catch((err: unknown) => {
        problems.push(`fake anthropic crashed: ${String(err)}`);
        if (!res.headersSent) res.writeHead(500, { 'x-should-retry': 'false' });
        res.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    received,
    problems,
    script: setScript,
    remaining: () => queue.length,
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
