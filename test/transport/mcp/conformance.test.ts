// The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.13, the last that runs on Node 20) against
// our /mcp. The scenarios that fit any server must pass; the rest are written for the SDK's own test server (tools
// named test_simple_text and so on), cannot apply to a shopping server, and are expected failures (the baseline file).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCompany, startTestApp, type TestApp } from '../../helpers/app.js';

const run = promisify(execFile);
const CLI = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/package.json')),
  'dist/index.js',
);

export const SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'dns-rebinding-protection',
  'logging-set-level',
  'server-sse-multiple-streams',
];

let t: TestApp;
let url: string;

beforeAll(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = t.app.server.address();
  const co = await createTestCompany(t.db);
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  // The suite sends no headers of its own: the credentials ride in the URL.
  url = `http://localhost:${port}/mcp?client_id=${co.clientId}&secret_key=${co.secretKey}`;
});
afterAll(() => t.close());

describe('MCP conformance suite', () => {
  it('passes every scenario that fits any server; the rest fail only as the baseline expects', async () => {
    const out = path.join(os.tmpdir(), `aisle-conformance-${process.pid}`);
    const baseline = fileURLToPath(new URL('./conformance-baseline.yml', import.meta.url));
    const r = await run(
      process.execPath,
      [CLI, 'server', '--url', url, '--expected-failures', baseline, '-o', out],
      { timeout: 120_000 },
    ).catch((err: { stdout: string; stderr: string; code: number }) => err);
    for (const scenario of SCENARIOS)
      expect(r.stdout).toMatch(new RegExp(`^✓ ${scenario}: [1-9]\\d* passed, 0 failed$`, 'm'));
    // Exit 0: every failure is in the baseline, and no baseline entry has started passing.
    expect('code' in r ? r.code : 0).toBe(0);
  }, 150_000);
});
