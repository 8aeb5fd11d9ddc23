// Graceful shutdown of the real `aisle serve`: on SIGTERM a chat turn in flight still gets its answer, then the socket
// is closed with 1001, messages sent meanwhile are refused (server_shutting_down), new requests are not served, and
// the process exits 0. Once with the offline agent, once with a slow model (the fake Anthropic API answers late) so
// the server provably waits for the turn.
import { afterAll, describe, expect, it } from 'vitest';
import { reply, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { DRIVER } from '../helpers/database.js';
import {
  apiHeaders,
  cleanupProcesses,
  freshBackend,
  request,
  runCliJson,
  startServer,
  type CreatedCompany,
  type Env,
  type ServerProcess,
} from '../helpers/process.js';
import { openChat, type ChatClient } from '../helpers/ws.js';

const drops: (() => Promise<void>)[] = [];
let fake: FakeAnthropic | undefined;

afterAll(async () => {
  await cleanupProcesses();
  await fake?.close();
  for (const drop of drops) await drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server on a fresh backend with a company and a registered shopper, and a chat socket open for them. */
async function serverWithChat(env: Env): Promise<{ server: ServerProcess; chat: ChatClient }> {
  const backend = await freshBackend();
  drops.push(backend.drop);
  const company = await runCliJson<CreatedCompany>(
    ['company', 'create', '--name', 'Shutdown Co', '--json'],
    backend.env,
  );
  const server = await startServer({ ...backend.env, ...env });
  const created = await request(server.baseUrl, 'POST', '/api/v1/users/', {
    headers: apiHeaders(company),
    body: { external_user_id: 'shopper-1', display_name: 'Sam' },
  });
  expect(created.status).toBe(201);
  const query = new URLSearchParams({
    client_id: company.client_id,
    secret_key: company.secret_key,
    user_id: 'shopper-1',
    stream: '1',
  });
  const chat = await openChat(`${server.baseUrl.replace('http', 'ws')}/ws/agent/?${query.toString()}`);
  return { server, chat };
}

describe(`aisle serve shuts down gracefully on SIGTERM (${DRIVER})`, () => {
  it('offline agent: the reply to a message sent right before SIGTERM arrives before the 1001 close; exit 0', async () => {
    const { server, chat } = await serverWithChat({ ANTHROPIC_API_KEY: undefined });
    chat.send({ message: 'show me socks' });
    // The first streamed event proves the server took the message (a frame read after the signal is refused).
    await chat.next('tool_call');
    const exit = server.stop(); // SIGTERM
    const answer = await chat.next('agent_response', 15_000);
    expect(String(answer.message)).toContain('[Offline assistant]');
    const closed = await chat.closed;
    expect(closed.code).toBe(1001);
    expect(chat.events.indexOf(answer)).toBeGreaterThanOrEqual(0);
    expect(await exit).toEqual({ code: 0, signal: null });
  });

  it('a slow model turn in flight is answered before the close; meanwhile messages are refused; exit 0', async () => {
    fake = await startFakeAnthropic();
    fake.script([reply.delayed(1500, reply.text('Here are the socks you asked for.'))]);
    const { server, chat } = await serverWithChat({
      ANTHROPIC_API_KEY: fake.apiKey,
      ANTHROPIC_BASE_URL: fake.url,
    });
    chat.send({ message: 'show me socks' });
    const deadline = Date.now() + 10_000;
    while (fake.received.length === 0 && Date.now() < deadline) await sleep(10);
    expect(fake.received).toHaveLength(1); // the turn is waiting for the model now

    const started = Date.now();
    const exit = server.stop(); // SIGTERM
    await sleep(200);
    // Draining: no new turn starts, and the node serves no new HTTP request.
    chat.send({ message: 'and some shoes' });
    const refused = await chat.next('error');
    expect(refused).toMatchObject({ code: 'server_shutting_down', retryable: true });
    const health = await fetch(`${server.baseUrl}/api/health`).catch(() => undefined);
    expect(health?.status).not.toBe(200);

    const answer = await chat.next('agent_response', 15_000);
    expect(answer.message).toBe('Here are the socks you asked for.');
    const closed = await chat.closed;
    expect(closed).toMatchObject({ code: 1001, reason: 'Server shutting down' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // it did wait for the model
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(fake.received).toHaveLength(1); // the refused message never reached the model
  });
});
