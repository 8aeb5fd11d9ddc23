// The fake Anthropic Messages API, driven by the real `@anthropic-ai/sdk` client: streaming and non-streaming replies,
// a tool-use round trip, errors (HTTP, mid-stream, timeouts), the request validation and the prompt-cache usage.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reply, startFakeAnthropic, type FakeAnthropic } from './anthropic.js';

const MODEL = 'claude-sonnet-5';
const SEARCH: Anthropic.Messages.Tool = {
  name: 'search_products',
  description: 'Search the catalog',
  input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
};

let fake: FakeAnthropic;
let client: Anthropic;
const clientWith = (opts: Partial<ConstructorParameters<typeof Anthropic>[0]> = {}) =>
  new Anthropic({ baseURL: fake.url, apiKey: fake.apiKey, maxRetries: 0, ...opts });

beforeAll(async () => {
  fake = await startFakeAnthropic();
  client = clientWith();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.received.length = 0;
  fake.problems.length = 0;
  fake.script([]);
});

const ask = (text: string, extra: Partial<Anthropic.Messages.MessageCreateParamsNonStreaming> = {}) => ({
  model: MODEL,
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: text }],
  ...extra,
});

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('streaming', () => {
  it('streams text chunks and accumulates the final message', async () => {
    fake.script([reply.text(['Hel', 'lo, ', 'shopper!'])]);
    const deltas: string[] = [];
    const stream = client.messages.stream(ask('Hi'));
    stream.on('text', (delta) => deltas.push(delta));
    const message = await stream.finalMessage();

    expect(deltas).toEqual(['Hel', 'lo, ', 'shopper!']);
    expect(message.id).toMatch(/^msg_/);
    expect(message.model).toBe(MODEL);
    expect(message.role).toBe('assistant');
    expect(message.content).toEqual([{ type: 'text', text: 'Hello, shopper!' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(1);
    expect(message.usage.cache_read_input_tokens).toBe(0);
    expect(message.usage.cache_creation_input_tokens).toBe(0);

    const [req] = fake.received;
    expect(req?.path).toBe('/v1/messages');
    expect(req?.body).toMatchObject({ model: MODEL, stream: true, max_tokens: 1024 });
    expect(req?.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(req?.headers['anthropic-version']).toBe('2026-10-21');
    expect(req?.status).toBe(200);
    expect(fake.remaining()).toBe(0);
  });

  it('sends the SSE wire format: event lines matching data types, in order, first partial_json empty', async () => {
    fake.script([reply.tool('search_products', { query: 'wool socks', size: 'M' }, { text: 'Looking.' })]);
    const res = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': fake.apiKey,
        'anthropic-version': '2026-10-21',
      },
      body: JSON.stringify({ ...ask('socks?'), tools: [SEARCH], stream: true }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const frames = (await res.text()).split('\n\n').filter(Boolean);
    const events = frames.map((frame) => {
      const [eventLine, dataLine, ...rest] = frame.split('\n');
      expect(rest).toEqual([]);
      expect(eventLine).toMatch(/^event: /);
      expect(dataLine).toMatch(/^data: /);
      const data = JSON.parse(dataLine!.slice('data: '.length)) as Record<string, unknown>;
      expect(data.type).toBe(eventLine!.slice('event: '.length));
      return data;
    });
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const start = events[0] as { message: Record<string, unknown> & { usage: Record<string, number> } };
    expect(start.message).toMatchObject({ type: 'message', role: 'assistant', model: MODEL, content: [] });
    expect(start.message.stop_reason).toBeNull();
    expect(Object.keys(start.message.usage)).toEqual(
      expect.arrayContaining([
        'input_tokens',
        'output_tokens',
        'cache_creation_input_tokens',
        'cache_read_input_tokens',
      ]),
    );
    const toolDeltas = events
      .filter((e) => e.type === 'content_block_delta' && e.index === 1)
      .map((e) => (e.delta as { partial_json: string }).partial_json);
    expect(toolDeltas[0]).toBe('');
    expect(toolDeltas.length).toBeGreaterThan(2);
    expect(JSON.parse(toolDeltas.join(''))).toEqual({ query: 'wool socks', size: 'M' });
    expect(events.at(-2)).toMatchObject({
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: expect.any(Number) },
    });
  });

  it('runs a tool_use turn, then accepts the tool_result turn', async () => {
    fake.script([
      reply.tool('search_products', { query: 'socks' }, { text: 'Let me search.' }),
      reply.text(['Found ', '3 pairs.']),
    ]);
    const messages: Anthropic.Messages.MessageParam[] = [{ role: 'user', content: 'Any socks?' }];
    const json: string[] = [];
    const first = client.messages.stream({ model: MODEL, max_tokens: 1024, tools: [SEARCH], messages });
    first.on('inputJson', (partial) => json.push(partial));
    const turn1 = await first.finalMessage();

    expect(turn1.stop_reason).toBe('tool_use');
    expect(turn1.content[0]).toEqual({ type: 'text', text: 'Let me search.' });
    const use = turn1.content[1];
    expect(use).toMatchObject({ type: 'tool_use', name: 'search_products', input: { query: 'socks' } });
    if (use?.type !== 'tool_use') throw new Error('expected a tool_use block');
    expect(use.id).toMatch(/^toolu_/);
    expect(json[0]).toBe('');
    expect(JSON.parse(json.join(''))).toEqual({ query: 'socks' });

    messages.push({ role: 'assistant', content: turn1.content });
    messages.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: use.id, content: '3 results' }],
    });
    const turn2 = await client.messages
      .stream({ model: MODEL, max_tokens: 1024, tools: [SEARCH], messages })
      .finalMessage();
    expect(turn2.content).toEqual([{ type: 'text', text: 'Found 3 pairs.' }]);
    expect(turn2.stop_reason).toBe('end_turn');

    expect(fake.received).toHaveLength(2);
    expect(fake.received[1]?.body.messages).toEqual([
      { role: 'user', content: 'Any socks?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me search.' },
          { type: 'tool_use', id: use.id, name: 'search_products', input: { query: 'socks' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '3 results' }] },
    ]);
  });

  it('rejects finalMessage() on an `event: error` mid-stream, after the text so far', async () => {
    fake.script([reply.streamError('overloaded_error', 'Overloaded', ['Partial ', 'answer'])]);
    const deltas: string[] = [];
    const stream = client.messages.stream(ask('Hi'));
    stream.on('text', (delta) => deltas.push(delta));
    const err = await rejection(stream.finalMessage());
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe('overloaded_error');
    expect(deltas).toEqual(['Partial ', 'answer']);
  });

  it('a hanging request is aborted by the SDK timeout', async () => {
    fake.script([reply.hang()]);
    const started = Date.now();
    const err = await rejection(client.messages.stream(ask('Hi'), { timeout: 300 }).finalMessage());
    expect(err).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(fake.received).toHaveLength(1);
    expect(fake.received[0]?.status).toBeUndefined();
  });

  it('a stream stalled mid-way can be aborted by the caller', async () => {
    fake.script([reply.text(['First', ' never sent'], { hang: 'midStream' })]);
    const deltas: string[] = [];
    const stream = client.messages.stream(ask('Hi'));
    stream.on('text', (delta) => {
      deltas.push(delta);
      stream.abort();
    });
    const err = await rejection(stream.finalMessage());
    expect(err).toBeInstanceOf(Anthropic.APIUserAbortError);
    expect(deltas).toEqual(['First']);
  });

  it('paces events with chunkDelayMs', async () => {
    fake.script([reply.text(['a', 'b', 'c'], { chunkDelayMs: 40 })]);
    const started = Date.now();
    expect(await client.messages.stream(ask('Hi')).finalText()).toBe('abc');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});

describe('non-streaming', () => {
  it('answers messages.create with the whole Message', async () => {
    fake.script([
      reply.tool('search_products', { query: 'boots' }),
      reply.text('Done.', { stopReason: 'max_tokens' }),
    ]);
    const m1 = await client.messages.create(ask('Boots?', { tools: [SEARCH] }));
    expect(m1.stop_reason).toBe('tool_use');
    expect(m1.content).toEqual([
      {
        type: 'tool_use',
        id: expect.stringMatching(/^toolu_/),
        name: 'search_products',
        input: { query: 'boots' },
      },
    ]);
    expect(m1.usage).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    const m2 = await client.messages.create(ask('Again'));
    expect(m2.content).toEqual([{ type: 'text', text: 'Done.' }]);
    expect(m2.stop_reason).toBe('max_tokens');
    expect(fake.received.map((r) => r.body.stream)).toEqual([undefined, undefined]);
  });

  it('lets a function decide each reply from the request', async () => {
    fake.script((req) =>
      reply.text(`You said: ${String((req.body.messages as { content: string }[])[0]?.content)}`),
    );
    const m = await client.messages.create(ask('hello'));
    expect(m.content).toEqual([{ type: 'text', text: 'You said: hello' }]);
  });

  it('answers an unscripted request with a 500 that is not retried, and records the problem', async () => {
    const err = await rejection(clientWith({ maxRetries: 2 }).messages.create(ask('Hi')));
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(fake.received).toHaveLength(1);
    expect(fake.problems[0]).toMatch(/no scripted reply/);
  });

  it('flags a scripted tool_use for a tool the request did not offer', async () => {
    fake.script([reply.tool('search_products', { query: 'x' })]);
    const err = await rejection(client.messages.create(ask('Hi')));
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(500);
    expect(fake.problems[0]).toMatch(/search_products.*not among the request's tools/);
  });
});

describe('HTTP errors', () => {
  it('surfaces 529 overloaded as an APIError', async () => {
    fake.script([reply.error(529, 'overloaded_error')]);
    const err = await rejection(client.messages.stream(ask('Hi')).finalMessage());
    expect(err).toBeInstanceOf(Anthropic.APIError);
    const apiErr = err as InstanceType<typeof Anthropic.APIError>;
    expect(apiErr.status).toBe(529);
    expect(apiErr.type).toBe('overloaded_error');
    expect(apiErr.error).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    expect(apiErr.requestID).toMatch(/^req_/);
    expect(fake.received).toHaveLength(1);
  });

  it('a 529 is retried by the SDK when maxRetries > 0', async () => {
    fake.script([reply.overloaded(), reply.text('Back again.')]);
    const m = await clientWith({ maxRetries: 1 }).messages.create(ask('Hi'));
    expect(m.content).toEqual([{ type: 'text', text: 'Back again.' }]);
    expect(fake.received).toHaveLength(2);
    expect(fake.received.map((r) => r.status)).toEqual([529, 200]);
  });

  it('429 carries retry-after', async () => {
    fake.script([reply.rateLimited(7)]);
    const err = await rejection(client.messages.create(ask('Hi')));
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBe('7');
  });

  it('a 500 api_error after a delay', async () => {
    fake.script([reply.delayed(100, reply.error(500))]);
    const started = Date.now();
    const err = await rejection(client.messages.create(ask('Hi')));
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe('api_error');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });
});

describe('authentication', () => {
  it('rejects a wrong key with 401 authentication_error', async () => {
    fake.script([reply.text('never')]);
    const err = await rejection(clientWith({ apiKey: 'sk-ant-wrong' }).messages.create(ask('Hi')));
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe('authentication_error');
    expect(fake.remaining()).toBe(1);
  });

  it('accepts x-api-key as well as Bearer, and requires one of them', async () => {
    fake.script([reply.text('ok')]);
    const post = (headers: Record<string, string>) =>
      fetch(`${fake.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2026-10-21', ...headers },
        body: JSON.stringify(ask('Hi')),
      });
    const none = await post({});
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const ok = await post({ 'x-api-key': fake.apiKey });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'ok' }] });
  });

  it('requires the anthropic-version header', async () => {
    const res = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fake.apiKey}` },
      body: JSON.stringify(ask('Hi')),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });
});

describe('request validation (400 invalid_request_error, no scripted reply used)', () => {
  const toolUse = {
    type: 'tool_use' as const,
    id: 'toolu_01A',
    name: 'search_products',
    input: { query: 'x' },
  };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'model missing',
      { max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] },
      /^model: Field required/,
    ],
    ['max_tokens missing', { model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }, /^max_tokens/],
    ['messages missing', { model: MODEL, max_tokens: 10 }, /^messages: Field required/],
    ['temperature', ask('Hi', { temperature: 0.2 } as never), /^temperature: .*removed/],
    ['top_p', ask('Hi', { top_p: 0.9 } as never), /^top_p: .*removed/],
    ['top_k', ask('Hi', { top_k: 5 } as never), /^top_k: .*removed/],
    [
      'first message from the assistant',
      { ...ask('Hi'), messages: [{ role: 'assistant', content: 'Hello' }] },
      /first message must use the "user" role/,
    ],
    [
      'two user messages in a row',
      {
        ...ask('Hi'),
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'user', content: 'Hello?' },
        ],
      },
      /roles must alternate.*"user"/,
    ],
    [
      'tool_result not matching the preceding tool_use',
      {
        ...ask('Hi'),
        tools: [SEARCH],
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: [toolUse] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01B', content: 'x' }] },
        ],
      },
      /^messages\.2\.content\.0: unexpected `tool_use_id`.*toolu_01B/,
    ],
    [
      'tool_use without a tool_result after it',
      {
        ...ask('Hi'),
        tools: [SEARCH],
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: [toolUse] },
          { role: 'user', content: 'never mind' },
        ],
      },
      /^messages\.1: `tool_use` ids were found without `tool_result`.*toolu_01A/,
    ],
    [
      'tool_result behind text in the user message',
      {
        ...ask('Hi'),
        tools: [SEARCH],
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: [toolUse] },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'here:' },
              { type: 'tool_result', tool_use_id: 'toolu_01A', content: 'x' },
            ],
          },
        ],
      },
      /must come first/,
    ],
    [
      'a bad tool name',
      { ...ask('Hi'), tools: [{ ...SEARCH, name: 'search products' }] },
      /^tools\.0\.custom\.name: String should match pattern/,
    ],
    [
      'a tool without input_schema',
      { ...ask('Hi'), tools: [{ name: 'search_products', description: 'x' }] },
      /^tools\.0\.custom\.input_schema: Field required/,
    ],
    [
      'an input_schema that is not an object schema',
      { ...ask('Hi'), tools: [{ name: 'search_products', input_schema: { type: 'string' } }] },
      /^tools\.0\.custom\.input_schema\.type/,
    ],
    [
      'an empty user message',
      { ...ask('Hi'), messages: [{ role: 'user', content: [] }] },
      /non-empty content/,
    ],
  ];

  it.each(cases)('%s', async (_name, body, message) => {
    fake.script([reply.text('never')]);
    const err = await rejection(client.messages.create(body as never));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    const apiErr = err as InstanceType<typeof Anthropic.APIError>;
    expect(apiErr.status).toBe(400);
    expect(apiErr.type).toBe('invalid_request_error');
    expect(apiErr.apiMessage).toMatch(message);
    expect(fake.remaining()).toBe(1);
    expect(fake.received).toHaveLength(1);
  });

  it('the same 400 arrives on a streaming request, before any event', async () => {
    fake.script([reply.text('never')]);
    const err = await rejection(
      client.messages.stream(ask('Hi', { temperature: 1 } as never)).finalMessage(),
    );
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  });
});

describe('prompt caching', () => {
  it('reports a cache write, then a cache read for the same cached prefix', async () => {
    const system: Anthropic.Messages.TextBlockParam[] = [
      {
        type: 'text',
        text: 'You are Aisle, a shopping assistant. '.repeat(40),
        cache_control: { type: 'ephemeral' },
      },
    ];
    const tools = [{ ...SEARCH, cache_control: { type: 'ephemeral' as const } }];
    fake.script([reply.text('one'), reply.text('two'), reply.text('three')]);
    const first = await client.messages.create(ask('Socks?', { system, tools }));
    const second = await client.messages.create(ask('Boots?', { system, tools }));
    const other = await client.messages.create(ask('Boots?', { system: 'Something else entirely.', tools }));

    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(300);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.input_tokens).toBeLessThan(first.usage.cache_creation_input_tokens!);
    // Only the tools breakpoint is shared with the third request.
    expect(other.usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(other.usage.cache_read_input_tokens).toBeLessThan(second.usage.cache_read_input_tokens!);
  });
});
