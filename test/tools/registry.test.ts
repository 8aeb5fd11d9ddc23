// The tool surface is versioned: names, schemas and annotations are pinned in a committed file, so a change to what
// hosts and models see is a deliberate one (update it with `npx vitest run test/tools/registry.test.ts -u`).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TOOLS, toolsFor } from '../../src/tools/index.js';
import { inputSchemaFor } from '../../src/tools/tool.js';

describe('the tool registry', () => {
  it('holds the eight tools of the design, in order', () => {
    expect(TOOLS.map((t) => t.name)).toEqual([
      'search_products',
      'get_product',
      'register_user',
      'add_address',
      'get_addresses',
      'check_balance',
      'buy_product',
      'order_history',
    ]);
  });

  it('pins every schema and annotation', async () => {
    const surface = TOOLS.map((t) => ({
      name: t.name,
      title: t.title,
      annotations: t.annotations,
      input: z.toJSONSchema(inputSchemaFor(t, { user: null }), { io: 'input' }),
      output: z.toJSONSchema(t.output),
    }));
    await expect(`${JSON.stringify(surface, null, 2)}\n`).toMatchFileSnapshot(
      './__snapshots__/tool-surface.json',
    );
  });

  it('filters by what a company allows, keeping the order', () => {
    expect(toolsFor({ allowedTools: null }).map((t) => t.name)).toHaveLength(8);
    expect(toolsFor({ allowedTools: ['order_history', 'search_products'] }).map((t) => t.name)).toEqual([
      'search_products',
      'order_history',
    ]);
    expect(toolsFor({ allowedTools: [] })).toEqual([]);
  });
});
