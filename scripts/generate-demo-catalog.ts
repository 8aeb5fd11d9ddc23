// Writes the demo catalog in data/demo/ from the hand-written product data in scripts/demo-catalog/:
// merchants.json, one <merchant-slug>.jsonl per merchant (one productRecordSchema record per line) and README.md.
// Deterministic: the same input always produces byte-identical output. Every record is validated before writing.
//
//   npx tsx scripts/generate-demo-catalog.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { productRecordSchema, type ProductRecord } from '../src/catalog/import-format.js';
import { catalogs } from './demo-catalog/index.js';
import { buildRecords, type Merchant } from './demo-catalog/model.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'data', 'demo');

const topLevel = (category: string) => category.split(' > ')[0] ?? '';
const soldOut = (p: ProductRecord) => p.variants.every((v) => v.available_qty === 0);
const num = (n: number) => n.toLocaleString('en-US');

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  const rule = `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

const PRICE_RANGE_CATEGORIES = [
  'Footwear > Running Shoes',
  'Footwear > Trail Running Shoes',
  'Footwear > Sneakers',
  'Apparel > Socks',
  'Apparel > Hoodies',
  'Outdoor > Tents',
  'Outdoor > Sleeping Bags',
  'Electronics > Headphones',
  'Electronics > Earbuds',
  'Home & Kitchen > Cookware',
  'Beauty > Skincare',
];

function priceRanges(all: ProductRecord[]): string {
  const rows = PRICE_RANGE_CATEGORIES.map((category) => {
    const prices = all
      .filter((p) => p.category === category && p.status === 'active')
      .flatMap((p) => p.variants.map((v) => Number(v.price)));
    return [category, `$${Math.min(...prices).toFixed(2)}`, `$${Math.max(...prices).toFixed(2)}`];
  });
  return table(['Category', 'From', 'To'], rows);
}

function readme(merchants: Merchant[], bySlug: Map<string, ProductRecord[]>): string {
  const all = [...bySlug.values()].flat();
  const merchantRows = merchants.map((m) => {
    const ps = bySlug.get(m.slug) ?? [];
    return [
      `${m.name} (\`${m.slug}\`)`,
      ps.length,
      ps.filter((p) => p.status === 'active').length,
      ps.filter((p) => p.status !== 'active').length,
      num(ps.reduce((n, p) => n + p.variants.length, 0)),
      ps.filter(soldOut).length,
    ];
  });
  merchantRows.push([
    '**Total**',
    all.length,
    all.filter((p) => p.status === 'active').length,
    all.filter((p) => p.status !== 'active').length,
    num(all.reduce((n, p) => n + p.variants.length, 0)),
    all.filter(soldOut).length,
  ]);

  const tops = [...new Set(all.map((p) => topLevel(p.category)))].sort();
  const topRows = tops.map((t) => [
    t,
    ...merchants.map((m) => (bySlug.get(m.slug) ?? []).filter((p) => topLevel(p.category) === t).length),
    all.filter((p) => topLevel(p.category) === t).length,
  ]);

  const categories = new Map<string, number>();
  for (const p of all) categories.set(p.category, (categories.get(p.category) ?? 0) + 1);
  const categoryList = tops
    .map((t) => {
      const subs = [...categories.entries()]
        .filter(([c]) => topLevel(c) === t)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([c, n]) => `${c.slice(t.length + 3)} (${n})`);
      return `- **${t}**: ${subs.join(', ')}`;
    })
    .join('\n');

  return `# Demo catalog

A fictional multi-merchant catalog for demos, local development and the search relevance benchmark. Every store,
brand, product and URL in it is made up: stores live on \`.example\` domains and images on
\`https://cdn.aisle-demo.example\`, which does not resolve.

## Files

- \`merchants.json\`: the ${merchants.length} merchants (\`slug\`, \`name\`, \`store_url\`, \`description\`).
- \`<merchant-slug>.jsonl\`: that merchant's products, one record per line in the canonical catalog format
  (\`productRecordSchema\` in \`src/catalog/import-format.ts\`): a product with its variants, options, prices in USD and
  stock.

## Counts

${table(['Merchant', 'Products', 'Active', 'Draft/archived', 'Variants', 'Sold out'], merchantRows)}

"Sold out" counts products whose every variant has \`available_qty\` 0; many more products have single variants (a
size, a color) sold out. Draft and archived products must never show up in search.

Products per top-level category and merchant:

${table(['Category', ...merchants.map((m) => `\`${m.slug}\``), 'Total'], topRows)}

Categories (products):

${categoryList}

## What it is built to exercise

- Overlapping merchants: running shoes at the footwear, outdoor and general stores; hoodies, tees and socks at several
  stores; the same product sold by two merchants, sometimes at different prices (e.g. the Stridewell Men's Pacer 3 at
  \`pace-and-path\` and \`daybreak-general\`).
- Synonyms and near-duplicates: sneakers / trainers, hoodie / sweatshirt, tee / t-shirt, earbuds / in-ear headphones,
  moisturizer / face cream, rain jacket / waterproof shell, pan / skillet; model generations (Pacer 2 and 3, Hush 500
  and 700) and look-alikes (men's and women's versions, water-resistant vs waterproof jackets).
- Filters: sale prices (\`compare_at_price\`), US shoe sizes 6-13 (half sizes on most running shoes, a Width option on
  some), apparel sizes XS-XXL, jeans by waist and inseam, colors, capacities, lengths, shades and scents, and
  size-specific sold-out variants. Current price ranges of active products:

${priceRanges(all)}

## How it was made

The product data (titles, brands, descriptions, options, regular prices, sales, sold-out and draft flags) is written by
hand in \`scripts/demo-catalog/<merchant>.ts\`. \`scripts/generate-demo-catalog.ts\` expands it into records: variant
grids, SKUs, sale prices, image and product URLs, and stock levels from a PRNG seeded with each product's
\`source_id\`, so every run produces identical files. It validates each record against \`productRecordSchema\` before
writing.

\`\`\`sh
npx tsx scripts/generate-demo-catalog.ts   # regenerate data/demo/
npx tsx scripts/validate-demo-catalog.ts   # check every line and the catalog conventions
\`\`\`
`;
}

async function main() {
  mkdirSync(outDir, { recursive: true });
  const merchants = catalogs.map((c) => c.merchant);
  const bySlug = new Map<string, ProductRecord[]>();
  let errors = 0;

  for (const catalog of catalogs) {
    const records = buildRecords(catalog);
    for (const r of records) {
      const parsed = productRecordSchema.safeParse(r);
      if (!parsed.success) {
        errors++;
        console.error(`${catalog.merchant.slug} ${r.source_id}: ${parsed.error.message}`);
      }
    }
    bySlug.set(catalog.merchant.slug, records);
  }
  if (errors) {
    console.error(`${errors} invalid records; nothing written`);
    process.exit(1);
  }

  for (const [slug, records] of bySlug) {
    writeFileSync(
      path.join(outDir, `${slug}.jsonl`),
      records.map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
  }
  // Formatted with the repository's prettier settings so \`prettier --check .\` passes on the output.
  const pretty = async (file: string, text: string) =>
    writeFileSync(file, await format(text, { ...(await resolveConfig(file)), filepath: file }));
  await pretty(path.join(outDir, 'merchants.json'), JSON.stringify(merchants));
  await pretty(path.join(outDir, 'README.md'), readme(merchants, bySlug));

  for (const [slug, records] of bySlug) {
    console.log(
      `${slug}: ${records.length} products, ${records.reduce((n, p) => n + p.variants.length, 0)} variants`,
    );
  }
}

await main();
