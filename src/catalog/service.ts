// The catalog service: search (query understanding + the index + product cards from Postgres), product details,
// file imports and index rebuilds. Tools, REST and the CLI all go through it.
import { count, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { toMinor } from '../money.js';
import { importRecords, type ImportSummary, type RawRecord } from './import-file.js';
import { rebuildIndex, syncProducts } from './index-sync.js';
import { ensureMerchant, listMerchants } from './merchants.js';
import { cardFromDocument, loadProducts, toProductCard, type ProductCard } from './products.js';
import { products } from './schema.js';
import {
  hasVariantFilters,
  normalizeColor,
  variantMatches,
  type SearchFilters,
  type SearchSort,
} from './search/filters.js';
import type { SearchIndex } from './search/port.js';
import { parseQuery } from './search/query-parser.js';

export const MAX_VARIANTS_IN_RESULTS = 10;
export const MAX_DESCRIPTION_IN_RESULTS = 280;

export type SearchInput = {
  query?: string;
  min_price?: string;
  max_price?: string;
  in_stock?: boolean;
  merchant?: string;
  category?: string;
  size?: string;
  color?: string;
  sort?: SearchSort;
  page?: number;
  limit?: number;
};

export type SearchOutput = {
  total: number;
  page: number;
  limit: number;
  /** What the query was understood as: the text searched and the filters applied. */
  understood: { text: string; filters: Record<string, string | boolean>; sort: SearchSort };
  products: ProductCard[];
};

function describeFilters(f: SearchFilters): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  if (f.minPriceMinor !== undefined) out.min_price = (f.minPriceMinor / 100).toFixed(2);
  if (f.maxPriceMinor !== undefined) out.max_price = (f.maxPriceMinor / 100).toFixed(2);
  if (f.inStock) out.in_stock = true;
  if (f.merchant) out.merchant = f.merchant;
  if (f.category) out.category = f.category;
  if (f.size) out.size = f.size;
  if (f.color) out.color = f.color;
  return out;
}

export type Catalog = ReturnType<typeof createCatalog>;

export function createCatalog(deps: { db: Db; index: SearchIndex }) {
  const { db, index } = deps;
  let merchantNames: { slug: string; name: string }[] | undefined;
  const merchantsForParsing = async () =>
    (merchantNames ??= (await listMerchants(db)).map((m) => ({ slug: m.slug, name: m.name })));

  return {
    index,

    async search(input: SearchInput): Promise<SearchOutput> {
      const page = input.page ?? 1;
      const limit = input.limit ?? 10;
      const parsed = parseQuery(input.query ?? '', await merchantsForParsing());
      // Explicit parameters win over what was read from the sentence.
      const filters: SearchFilters = { ...parsed.filters };
      if (input.min_price !== undefined) filters.minPriceMinor = toMinor(input.min_price);
      if (input.max_price !== undefined) filters.maxPriceMinor = toMinor(input.max_price);
      if (input.in_stock !== undefined) filters.inStock = input.in_stock;
      if (input.merchant) filters.merchant = input.merchant;
      if (input.category) filters.category = input.category;
      if (input.size) filters.size = input.size;
      if (input.color) filters.color = normalizeColor(input.color);
      const sort = input.sort ?? parsed.sort ?? 'relevance';

      const result = await index.search({
        text: parsed.text,
        filters,
        sort,
        offset: (page - 1) * limit,
        limit,
      });
      const variantFilters = hasVariantFilters(filters);
      // In stock first when the list is cut, so the model sees what can be bought.
      const listed = <V extends { availableQty: number }>(matching: V[]) =>
        matching.length > MAX_VARIANTS_IN_RESULTS
          ? [...matching]
              .sort((a, b) => Number(b.availableQty > 0) - Number(a.availableQty > 0))
              .slice(0, MAX_VARIANTS_IN_RESULTS)
          : matching;
      let cards: ProductCard[];
      if (result.docs) {
        // The engine keeps whole documents (the embedded one): cards come from them, as fresh as the hits.
        cards = result.docs.map((doc) =>
          cardFromDocument(
            doc,
            listed(
              variantFilters ? doc.variants.filter((v) => variantMatches(doc, v, filters)) : doc.variants,
            ),
            MAX_DESCRIPTION_IN_RESULTS,
          ),
        );
      } else {
        const loaded = (await loadProducts(db, result.ids)).filter((p) => p.product.status === 'active');
        cards = loaded.map((p) => {
          const product = { ...p.product, merchantId: p.merchant.id, merchantSlug: p.merchant.slug };
          const matching = variantFilters
            ? p.variants.filter((v) =>
                variantMatches(
                  product,
                  { options: v.options, priceMinor: toMinor(v.price), availableQty: v.availableQty },
                  filters,
                ),
              )
            : p.variants;
          return toProductCard(p, { shown: listed(matching), maxDescription: MAX_DESCRIPTION_IN_RESULTS });
        });
      }
      return {
        total: result.total,
        page,
        limit,
        understood: { text: parsed.text, filters: describeFilters(filters), sort },
        products: cards,
      };
    },

    async getProduct(id: string): Promise<ProductCard> {
      const [p] = await loadProducts(db, [id]);
      if (!p || p.product.status !== 'active' || p.merchant.status !== 'active') {
        throw new AppError(
          'not_found',
          `No product "${id}" is available; search again with search_products.`,
          {
            code: 'product_not_found',
            title: 'Product not found',
          },
        );
      }
      return toProductCard(p);
    },

    /** Imports records (from readCatalogFile or readCatalogText) for a merchant, created by name if new. */
    async importRecords(
      merchantName: string,
      records: AsyncIterable<RawRecord> | Iterable<RawRecord>,
      onProgress?: (summary: ImportSummary, processed: number) => void,
    ): Promise<ImportSummary & { merchant: { id: string; slug: string; name: string } }> {
      const merchant = await ensureMerchant(db, { name: merchantName });
      merchantNames = undefined;
      const summary = await importRecords(db, index, merchant.id, records, onProgress);
      return { ...summary, merchant: { id: merchant.id, slug: merchant.slug, name: merchant.name } };
    },

    /** Re-indexes these products from Postgres (after writes that bypass importFile, e.g. connectors). */
    sync: (ids: string[]) => syncProducts(db, index, ids),

    rebuild: (onProgress?: (done: number, total: number) => void) => rebuildIndex(db, index, onProgress),

    async productCount(): Promise<number> {
      const [row] = await db.select({ n: count() }).from(products).where(eq(products.status, 'active'));
      return row?.n ?? 0;
    },

    forgetMerchants() {
      merchantNames = undefined;
    },
  };
}
