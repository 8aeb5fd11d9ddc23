// Checks the demo catalog in data/demo/ (or the directory given): every JSONL line must be a valid
// productRecordSchema record, and the catalog must follow the demo conventions (unique ids, SKUs and URLs, image URL
// shape, tag counts, top-level categories, sale prices, distinct descriptions) and minimum sizes. Prints a summary;
// exits 1 on any problem.
//
//   npx tsx scripts/validate-demo-catalog.ts [dir]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { productRecordSchema, type ProductRecord } from '../src/catalog/import-format.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.resolve(process.argv[2] ?? path.join(root, 'data', 'demo'));

const TOP_LEVEL = new Set(['Apparel', 'Footwear', 'Outdoor', 'Home & Kitchen', 'Electronics', 'Beauty']);
const MIN_PRODUCTS = 520;
const MIN_PER_MERCHANT = 60;
const MIN_SOLD_OUT = 25;
const HIDDEN_RANGE = [3, 6];

const problems: string[] = [];
const problem = (where: string, message: string) => problems.push(`${where}: ${message}`);
const cents = (money: string) => Math.round(Number(money) * 100);
const sentences = (text: string) => text.split(/[.!?](?:\s|$)/).filter((s) => s.trim()).length;

interface MerchantEntry {
  slug: string;
  name: string;
  store_url: string;
  description: string;
}

function loadMerchants(): MerchantEntry[] {
  const file = path.join(dir, 'merchants.json');
  const merchants = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(merchants)) throw new Error('merchants.json must be an array');
  const slugs = new Set<string>();
  for (const [i, m] of (merchants as Partial<MerchantEntry>[]).entries()) {
    const where = `merchants.json[${i}]`;
    for (const key of ['slug', 'name', 'store_url', 'description'] as const) {
      if (typeof m[key] !== 'string' || !m[key]) problem(where, `missing ${key}`);
    }
    if (m.slug && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(m.slug))
      problem(where, `slug "${m.slug}" is not kebab-case`);
    if (m.slug && slugs.has(m.slug)) problem(where, `duplicate slug "${m.slug}"`);
    if (m.slug) slugs.add(m.slug);
    if (m.store_url && !/^https:\/\/[a-z0-9.-]+\.example$/.test(m.store_url)) {
      problem(where, `store_url "${m.store_url}" must be https://<host>.example`);
    }
    const extra = Object.keys(m).filter((k) => !['slug', 'name', 'store_url', 'description'].includes(k));
    if (extra.length) problem(where, `unexpected keys ${extra.join(', ')}`);
  }
  return merchants as MerchantEntry[];
}

function checkProduct(merchant: MerchantEntry, p: ProductRecord, where: string) {
  const imagePrefix = `https://cdn.aisle-demo.example/images/${merchant.slug}/${p.source_id}-`;
  if (p.image_urls.length < 1 || p.image_urls.length > 3)
    problem(where, `${p.image_urls.length} images, want 1-3`);
  p.image_urls.forEach((url, n) => {
    if (url !== `${imagePrefix}${n + 1}.jpg`)
      problem(where, `image_urls[${n}] "${url}" is not ${imagePrefix}${n + 1}.jpg`);
  });
  if (!p.product_url?.startsWith(`${merchant.store_url}/products/`)) {
    problem(where, `product_url "${p.product_url}" is not under ${merchant.store_url}/products/`);
  } else if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(p.product_url.slice(merchant.store_url.length + 10))) {
    problem(where, `product_url handle is not kebab-case`);
  }
  if (p.tags.length < 3 || p.tags.length > 8) problem(where, `${p.tags.length} tags, want 3-8`);
  if (new Set(p.tags).size !== p.tags.length) problem(where, 'duplicate tags');
  const top = p.category.split(' > ')[0] ?? '';
  if (!TOP_LEVEL.has(top)) problem(where, `category "${p.category}" has an unknown top level`);
  if (!p.product_type) problem(where, 'empty product_type');
  if (!p.vendor) problem(where, 'empty vendor');
  if (!p.title.startsWith(p.vendor)) problem(where, `title does not start with the vendor "${p.vendor}"`);
  const n = sentences(p.description);
  if (n < 2 || n > 4) problem(where, `description has ${n} sentences, want 2-4`);
  if (p.updated_at !== undefined) problem(where, 'updated_at is set (the demo catalog leaves it out)');

  const optionKeys = JSON.stringify(Object.keys(p.variants[0]?.options ?? {}));
  for (const v of p.variants) {
    const vw = `${where} variant ${v.source_id}`;
    if (!v.source_id.startsWith(`${p.source_id}-`))
      problem(vw, 'variant source_id does not extend the product id');
    if (!v.sku) problem(vw, 'missing sku');
    if (v.currency !== 'USD') problem(vw, `currency ${v.currency}`);
    if (JSON.stringify(Object.keys(v.options)) !== optionKeys)
      problem(vw, 'option names differ between variants');
    const expectedTitle = Object.values(v.options).join(' / ') || 'Default';
    if (v.title !== expectedTitle) problem(vw, `title "${v.title}", want "${expectedTitle}"`);
    if (cents(v.price) <= 0) problem(vw, 'price must be positive');
    if (v.compare_at_price != null && cents(v.compare_at_price) <= cents(v.price)) {
      problem(vw, `compare_at_price ${v.compare_at_price} is not above price ${v.price}`);
    }
  }
}

function main() {
  if (!existsSync(dir)) throw new Error(`no such directory: ${dir}`);
  const merchants = loadMerchants();
  const slugs = new Set(merchants.map((m) => m.slug));
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
    if (!slugs.has(f.slice(0, -'.jsonl'.length))) problem(f, 'no merchant with this slug in merchants.json');
  }

  const descriptions = new Map<string, string>();
  const all: ProductRecord[] = [];
  const rows: string[] = [];
  for (const merchant of merchants) {
    const file = path.join(dir, `${merchant.slug}.jsonl`);
    if (!existsSync(file)) {
      problem(merchant.slug, `missing ${merchant.slug}.jsonl`);
      continue;
    }
    const lines = readFileSync(file, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    const ids = new Set<string>();
    const skus = new Set<string>();
    const urls = new Set<string>();
    const titles = new Set<string>();
    const products: ProductRecord[] = [];
    lines.forEach((line, i) => {
      const where = `${merchant.slug}.jsonl:${i + 1}`;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (err) {
        problem(where, `not JSON: ${(err as Error).message}`);
        return;
      }
      const parsed = productRecordSchema.safeParse(json);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) problem(where, `${issue.path.join('.')}: ${issue.message}`);
        return;
      }
      const p = parsed.data;
      const pw = `${where} (${p.source_id})`;
      if (ids.has(p.source_id)) problem(pw, 'duplicate product source_id');
      ids.add(p.source_id);
      if (titles.has(p.title)) problem(pw, `duplicate title "${p.title}"`);
      titles.add(p.title);
      if (p.product_url && urls.has(p.product_url)) problem(pw, 'duplicate product_url');
      if (p.product_url) urls.add(p.product_url);
      for (const v of p.variants) {
        if (v.sku && skus.has(v.sku)) problem(pw, `duplicate sku ${v.sku}`);
        if (v.sku) skus.add(v.sku);
      }
      const seenAt = descriptions.get(p.description);
      if (seenAt) problem(pw, `same description as ${seenAt}`);
      descriptions.set(p.description, `${merchant.slug}/${p.source_id}`);
      checkProduct(merchant, p, pw);
      products.push(p);
    });
    if (products.length < MIN_PER_MERCHANT) {
      problem(merchant.slug, `${products.length} products, want at least ${MIN_PER_MERCHANT}`);
    }
    const variants = products.reduce((n, p) => n + p.variants.length, 0);
    const soldOut = products.filter((p) => p.variants.every((v) => v.available_qty === 0)).length;
    const hidden = products.filter((p) => p.status !== 'active').length;
    rows.push(
      `${merchant.slug}: ${products.length} products (${hidden} draft/archived), ${variants} variants, ${soldOut} sold out`,
    );
    all.push(...products);
  }

  const soldOut = all.filter((p) => p.variants.every((v) => v.available_qty === 0)).length;
  const hidden = all.filter((p) => p.status !== 'active').length;
  if (all.length < MIN_PRODUCTS) problem('catalog', `${all.length} products, want at least ${MIN_PRODUCTS}`);
  if (soldOut < MIN_SOLD_OUT)
    problem('catalog', `${soldOut} sold-out products, want at least ${MIN_SOLD_OUT}`);
  const [minHidden = 0, maxHidden = 0] = HIDDEN_RANGE;
  if (hidden < minHidden || hidden > maxHidden) {
    problem('catalog', `${hidden} draft/archived products, want ${minHidden}-${maxHidden}`);
  }

  const byTop = new Map<string, number>();
  for (const p of all) {
    const top = p.category.split(' > ')[0] ?? '';
    byTop.set(top, (byTop.get(top) ?? 0) + 1);
  }
  console.log(rows.join('\n'));
  console.log([...byTop.entries()].map(([t, n]) => `${t}: ${n}`).join(', '));
  console.log(
    `total: ${all.length} products, ${all.reduce((n, p) => n + p.variants.length, 0)} variants, ` +
      `${soldOut} sold out, ${hidden} draft/archived`,
  );
  if (problems.length) {
    console.error(`\n${problems.length} problem(s):\n${problems.join('\n')}`);
    process.exit(1);
  }
  console.log(
    'OK: every line is a valid productRecordSchema record and the catalog follows the demo conventions',
  );
}

main();
