// The API reference's own client examples (JavaScript and Python, WebSocket and REST), copied verbatim into
// test/fixtures/reference, run against a live server with the offline agent: they print the agent's reply and
// product lines, and the history and users they fetch.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser } from '../../../src/commerce/index.js';
import { createTestCompany, startTestApp, type TestApp, type TestCompany } from '../../helpers/app.js';
import { REPO_ROOT } from '../../helpers/process.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'reference');
let t: TestApp;
let company: TestCompany;
let port: number;
let dir: string;

beforeAll(async () => {
  t = await startTestApp({ demoCatalog: true });
  company = await createTestCompany(t.db, 'Reference');
  await registerUser(t.db, company.id, { externalUserId: '0x1234...abcd', displayName: 'Ref' });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = t.app.server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aisle-reference-'));
});
afterAll(async () => {
  await t.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** The example with only its constants pointed at this server and company, plus `tail` appended. */
async function prepare(name: string, tail = ''): Promise<string> {
  const source = (await fs.readFile(path.join(FIXTURES, name), 'utf8'))
    .replaceAll('wss://api.fauri.ai', `ws://127.0.0.1:${port}`)
    .replaceAll('https://api.fauri.ai', `http://127.0.0.1:${port}`)
    .replaceAll('your_client_id', company.clientId)
    .replaceAll('your_secret_key', company.secretKey);
  const file = path.join(dir, name.endsWith('.js') ? name.replace(/\.js$/, '.cjs') : name);
  await fs.writeFile(file, `${source}\n${tail}\n`);
  return file;
}

/** Runs a command until `done(stdout)` holds (then stops it) or it exits; resolves to its output. */
function run(cmd: string, args: string[], done: (out: string) => boolean = () => false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} timed out; stdout: ${out}; stderr: ${err}`));
    }, 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (done(out)) child.kill();
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code && !done(out)) reject(new Error(`${cmd} exited ${code}: ${err}`));
      else resolve(out);
    });
  });
}

/** A Python with the modules the example imports (websockets and requests are not in the standard library). */
function pythonWith(...modules: string[]): string | undefined {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(candidate, ['-c', `import ${modules.join(', ')}`]);
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

const nodeFlags =
  typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined'
    ? ['--experimental-websocket']
    : [];
const wsPython = pythonWith('websockets');
const restPython = pythonWith('requests');

describe("the reference's client examples against a live server", () => {
  it('JavaScript WebSocket: prints the agent response and product lines', async () => {
    const file = await prepare('ws-client.js');
    const out = await run(
      process.execPath,
      [...nodeFlags, file],
      (o) => /Agent response:/.test(o) && /\n {2}- /.test(o),
    );
    expect(out).toMatch(/Connected to Fauri agent/);
    expect(out).toMatch(/Agent response: \[Offline assistant\]/);
    expect(out).toMatch(/^ {2}- .+: \$\d+\.\d\d$/m);
  });

  it('JavaScript REST: fetches the chat history and the users', async () => {
    const file = await prepare(
      'history-client.js',
      'getChatHistory("0x1234...abcd").then((h) => { console.log(JSON.stringify(h)); return listUsers(); }).then((u) => console.log(JSON.stringify(u)));',
    );
    const [history, users] = (await run(process.execPath, [file]))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(
      history.some(
        (m: { role: string; content: string }) => m.role === 'user' && /running shoes/.test(m.content),
      ),
    ).toBe(true);
    expect(users.results.map((u: { external_user_id: string }) => u.external_user_id)).toContain(
      '0x1234...abcd',
    );
  });

  it.skipIf(!wsPython)(
    'Python WebSocket (websockets): prints the agent reply and product lines',
    async () => {
      const out = await run(wsPython!, [await prepare('ws_client.py')]);
      expect(out).toMatch(/^Agent: \[Offline assistant\]/m);
      expect(out).toMatch(/^ {2}- .+: \$\d+\.\d\d$/m);
    },
  );

  it.skipIf(!restPython)('Python REST (requests): users, chat history, orders, create user', async () => {
    const out = await run(restPython!, [
      await prepare(
        'rest_client.py',
        'import json\nprint(json.dumps(list_users()))\nprint(json.dumps(get_chat_history("0x1234...abcd")))\n' +
          'print(json.dumps(get_user_orders("0x1234...abcd")))\nprint(json.dumps(create_user("py_user", "Py")))',
      ),
    ]);
    const [users, history, orders, created] = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(users.count).toBeGreaterThan(0);
    expect(Array.isArray(history)).toBe(true);
    expect(orders).toEqual([]);
    expect(created).toMatchObject({ external_user_id: 'py_user', display_name: 'Py' });
  });
});
