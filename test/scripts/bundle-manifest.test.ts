// The MCP bundle's manifest: valid for @anthropic-ai/mcpb, listing the registry's tools, starting `aisle mcp`.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeManifest } from '../../scripts/build-bundle.js';
import { TOOL_NAMES } from '../../src/tools/index.js';
import { VERSION } from '../../src/version.js';

describe('MCP bundle manifest', () => {
  it('validates, lists the eight tools, and runs aisle mcp with the user config as environment', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aisle-bundle-'));
    const manifest = JSON.parse(await fs.readFile(await writeManifest(dir), 'utf8'));
    expect(manifest).toMatchObject({ name: 'aisle', version: VERSION, server: { type: 'node' } });
    expect(manifest.tools.map((t: { name: string }) => t.name)).toEqual(TOOL_NAMES);
    expect(manifest.server.mcp_config.args).toEqual(['${__dirname}/server/bin/aisle.js', 'mcp']);
    expect(manifest.server.mcp_config.env).toMatchObject({
      AISLE_CLIENT_ID: '${user_config.client_id}',
      AISLE_SECRET_KEY: '${user_config.secret_key}',
    });
    expect(manifest.user_config.secret_key.sensitive).toBe(true);
  });
});
