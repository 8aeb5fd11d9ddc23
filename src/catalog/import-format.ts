// The canonical catalog record: what every source (JSON/JSONL files, Shopify, WooCommerce) is turned into before it
// is upserted. One record = one product with its variants. Documented in docs/catalog-format.md.
import { z } from 'zod';

const money = z
  .string()
  .trim()
  .regex(/^\d{1,10}(\.\d{1,2})?$/, 'must be a decimal string with at most 2 decimals, e.g. "129.99"');

const httpUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((v) => /^https?:\/\//i.test(v) && URL.canParse(v), 'must be an absolute http(s) URL');

const text = (max: number) => z.string().trim().max(max);

export const variantRecordSchema = z
  .object({
    source_id: text(255).min(1).describe("The merchant's id for this variant; unique within the product."),
    sku: text(255).optional().describe('Stock keeping unit, if the merchant has one.'),
    title: text(255).optional().describe('e.g. "Black / 10"; derived from the options when absent.'),
    options: z
      .record(text(100).min(1), text(255).min(1))
      .default({})
      .describe('Option name to value, e.g. {"Color": "Black", "Size": "10"}.'),
    price: money.describe('Price as a decimal string.'),
    compare_at_price: money.nullable().optional().describe('The price before a discount, if any.'),
    currency: z
      .string()
      .trim()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "USD"')
      .default('USD'),
    available_qty: z.number().int().min(0).max(10_000_000).describe('Units in stock; 0 = sold out.'),
    image_url: httpUrl.optional(),
  })
  .strict();

export const productRecordSchema = z
  .object({
    source_id: text(255).min(1).describe("The merchant's id for this product; unique per merchant."),
    title: text(500).min(1),
    description: text(20_000).default('').describe('Plain text.'),
    vendor: text(255).default('').describe('Brand.'),
    product_type: text(255).default('').describe('The merchant\'s own type, e.g. "Running Shoes".'),
    category: text(255)
      .default('')
      .describe('Category path from broad to narrow, e.g. "Footwear > Running Shoes".'),
    tags: z.array(text(100).min(1)).max(100).default([]),
    image_urls: z.array(httpUrl).max(50).default([]),
    product_url: httpUrl.optional(),
    status: z
      .enum(['active', 'draft', 'archived'])
      .default('active')
      .describe('Only active products are searchable.'),
    variants: z.array(variantRecordSchema).min(1, 'a product needs at least one variant').max(500),
    updated_at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("The source's last change; an older record never overwrites a newer one."),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.variants.forEach((v, i) => {
      if (seen.has(v.source_id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['variants', i, 'source_id'],
          message: `duplicate variant source_id "${v.source_id}"`,
        });
      }
      seen.add(v.source_id);
    });
  });

export type ProductRecord = z.infer<typeof productRecordSchema>;
export type VariantRecord = z.infer<typeof variantRecordSchema>;
