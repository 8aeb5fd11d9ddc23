// The reference's quick start, word for word: keys from `aisle company create`, then its curl command through bash
// against a real `aisle serve`. Only the host and the two credential values are substituted.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiHeaders,
  cleanupProcesses,
  makeTempDir,
  request,
  runCli,
  startServer,
  type CreatedCompany,
  type ServerProcess,
} from '../helpers/process.js';

// Copied from the reference, unchanged.
const QUICK_START = `curl -X POST https://api.fauri.ai/api/v1/users/ \\
  -H "X-Client-ID: your_client_id" \\
  -H "X-Secret-Key: your_secret_key" \\
  -H "Content-Type: application/json" \\
  -d '{"external_user_id": "user_123", "display_name": "Alice"}'`;

const STATUS_MARK = '\n__HTTP_STATUS__=';

/**
 * Runs `script` with bash. curl reads a .curlrc from CURL_HOME that appends the status code to the output, so the
 * command itself stays exactly as the reference prints it.
 */
async function bash(
  script: string,
  curlHome: string,
): Promise<{ code: number | null; status: number; body: unknown }> {
  const child = spawn('bash', ['-c', script], {
    env: { ...process.env, CURL_HOME: curlHome },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000, // a safety net: a hung curl is killed and fails the test below
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const at = stdout.lastIndexOf(STATUS_MARK);
  if (code !== 0 || at < 0) throw new Error(`bash exited ${code}\nstdout: ${stdout}\nstderr: ${stderr}`);
  return {
    code,
    status: Number(stdout.slice(at + STATUS_MARK.length).trim()),
    body: JSON.parse(stdout.slice(0, at)),
  };
}

describe('quick start (curl from the reference against `aisle serve`)', () => {
  let server: ServerProcess;
  let dataDir: string;
  let curlHome: string;
  let company: CreatedCompany;

  beforeAll(async () => {
    dataDir = await makeTempDir();
    curlHome = await makeTempDir('aisle-curl-');
    await fs.writeFile(
      path.join(curlHome, '.curlrc'),
      `silent\nshow-error\nwrite-out = "${STATUS_MARK.replace('\n', '\\n')}%{http_code}\\n"\n`,
    );
    // Always the embedded database here: the CLI must reach it through the running server.
    server = await startServer({ AISLE_DATA_DIR: dataDir });
  });

  afterAll(cleanupProcesses);

  it('`aisle company create --json` issues keys while the server holds the embedded database', async () => {
    // The server holds the folder's lock, so the CLI cannot open it: success means it went through the admin API.
    await expect(fs.stat(path.join(dataDir, '.lock'))).resolves.toBeDefined();
    const info = JSON.parse(await fs.readFile(path.join(dataDir, 'server.json'), 'utf8')) as {
      pid: number;
      url: string;
    };
    expect(info).toMatchObject({ pid: server.pid, url: server.baseUrl });

    const r = await runCli(['company', 'create', '--name', 'Quick Start Co', '--json'], {
      AISLE_DATA_DIR: dataDir,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    company = JSON.parse(r.stdout) as CreatedCompany;
    expect(company).toMatchObject({
      name: 'Quick Start Co',
      client_id: expect.stringMatching(/^cid_[A-Za-z0-9]+$/),
      secret_key: expect.stringMatching(/^sk_[A-Za-z0-9]+$/),
      webhook_secret: expect.stringMatching(/^whsec_[A-Za-z0-9]+$/),
    });
    // The server that made it knows it: its own admin view lists the company.
    const list = await runCli(['company', 'list', '--json'], { AISLE_DATA_DIR: dataDir });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ client_id: company.client_id })]);
  });

  it('the reference curl command registers user_123 (201) with the id, external id, display name and created_at', async () => {
    const script = QUICK_START.replace('https://api.fauri.ai', server.baseUrl)
      .replace('your_client_id', company.client_id)
      .replace('your_secret_key', company.secret_key);
    // Only those three substitutions: everything else is the reference's text.
    expect(script.split('\n').length).toBe(5);
    expect(script).not.toContain('your_');

    const { status, body } = await bash(script, curlHome);
    expect(status).toBe(201);
    expect(body).toEqual({
      id: expect.stringMatching(/^usr_[0-9a-z]{26}$/),
      external_user_id: 'user_123',
      display_name: 'Alice',
      spending_limits: { per_order: null, per_day: null },
      created_at: expect.any(String),
    });
    const user = body as { id: string; created_at: string };
    expect(new Date(user.created_at).toISOString()).toBe(user.created_at);

    // The user is really there, by external id and by Aisle's id.
    const byExternal = await request(server.baseUrl, 'GET', '/api/v1/users/user_123/', {
      headers: apiHeaders(company),
    });
    expect(byExternal).toMatchObject({ status: 200, body });
    const byId = await request(server.baseUrl, 'GET', `/api/v1/users/${user.id}/`, {
      headers: apiHeaders(company),
    });
    expect(byId).toMatchObject({ status: 200, body });

    // Running the quick start again returns the same user (200), never a duplicate.
    const again = await bash(script, curlHome);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(body);
    const list = await request(server.baseUrl, 'GET', '/api/v1/users/', { headers: apiHeaders(company) });
    expect(list.body).toMatchObject({ count: 1, results: [body] });
  });

  it('the same command with the placeholder credentials is refused with the error format', async () => {
    const script = QUICK_START.replace('https://api.fauri.ai', server.baseUrl);
    const { status, body } = await bash(script, curlHome);
    expect(status).toBe(401);
    expect(body).toEqual({
      error: 'Invalid credentials',
      detail: expect.stringContaining('X-Client-ID'),
      status: 401,
      code: 'invalid_credentials',
    });
  });
});
