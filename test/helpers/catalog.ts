// Catalog fixtures: canonical records and files holding them.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ProductRecord } from '../../src/catalog/import-format.js';

type Input = Omit<Partial<ProductRecord>, 'variants'> & {
  source_id: string;
  variants?: Partial<ProductRecord['variants'][number]>[];
};

export function record(p: Input): ProductRecord {
  const { variants, ...rest } = p;
  return {
    title: `Product ${p.source_id}`,
    description: '',
    vendor: '',
    product_type: '',
    category: '',
    tags: [],
    image_urls: [],
    status: 'active',
    ...rest,
    variants: (variants ?? [{}]).map((v, i) => ({
      source_id: `${p.source_id}-v${i}`,
      options: {},
      price: '10.00',
      currency: 'USD',
      available_qty: 5,
      ...v,
    })),
  } as ProductRecord;
}

export async function writeTempFile(name: string, content: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aisle-catalog-'));
  const file = path.join(dir, name);
  await fs.writeFile(file, content);
  return file;
}

export const jsonl = (items: unknown[]) =>
  items.map((i) => (typeof i === 'string' ? i : JSON.stringify(i))).join('\n');
