// A shop ready to sell: a company whose webhook URL is a fake integrator, a shopper with an address, and stock.
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { products, variants } from '../../src/catalog/schema.js';
import {
  addAddress,
  getCompany,
  registerUser,
  updateCompany,
  type UserRow,
} from '../../src/commerce/index.js';
import type { ToolContext } from '../../src/tools/index.js';
import { startOutboxWorker, type OutboxWorker } from '../../src/webhooks/worker.js';
import { approveAll, startFakeIntegrator, type Behaviour, type FakeIntegrator } from '../fakes/integrator.js';
import { createTestCompany, type TestApp, type TestCompany } from './app.js';
import { record } from './catalog.js';

export type Shop = {
  company: TestCompany;
  integrator: FakeIntegrator;
  user: UserRow;
  addressId: string;
  /** Variant ids by source id, e.g. v['shoe-v0']. */
  v: Record<string, string>;
  ctx(): Promise<ToolContext>;
  /** A worker that only runs when drained. */
  worker: OutboxWorker;
  setStock(variantId: string, qty: number): Promise<void>;
  stockOf(variantId: string): Promise<number>;
  close(): Promise<void>;
};

export async function openShop(t: TestApp, behaviour: Behaviour = approveAll, name = 'Shop'): Promise<Shop> {
  const company = await createTestCompany(t.db, name);
  const integrator = await startFakeIntegrator(company.webhookSecret, behaviour);
  await updateCompany(t.db, company.id, { webhookUrl: integrator.url });
  const { user } = await registerUser(t.db, company.id, {
    externalUserId: `shopper-${name}`,
    displayName: 'Ann',
  });
  const address = await addAddress(t.db, company.id, user.id, {
    line1: '123 Main St',
    city: 'New York',
    state: 'NY',
    zip: '10001',
    country: 'US',
  });
  const v: Record<string, string> = {};
  const catalog = {
    [`FitGear ${name}`]: [
      record({
        source_id: 'shoe',
        title: 'Trail Runner',
        variants: [
          { title: 'Black / 10', price: '129.99', available_qty: 10 },
          { title: 'Black / 11', price: '129.99', available_qty: 3 },
        ],
      }),
    ],
    [`Sock Shop ${name}`]: [
      record({
        source_id: 'sock',
        title: 'Wool Socks',
        variants: [{ title: 'M', price: '12.50', available_qty: 50 }],
      }),
    ],
  };
  for (const [merchant, records] of Object.entries(catalog)) {
    const { merchant: m } = await t.deps.catalog.importRecords(
      merchant,
      records.map((value, i) => ({ line: i + 1, value })),
    );
    const rows = await t.db
      .select({ id: variants.id, sourceId: variants.sourceId })
      .from(variants)
      .innerJoin(products, eq(variants.productId, products.id))
      .where(eq(products.merchantId, m.id));
    for (const row of rows) v[row.sourceId] = row.id;
  }
  const worker = startOutboxWorker(
    { ...t.deps, config: t.deps.config, logger: pino({ level: 'silent' }) },
    { autostart: false },
  );
  return {
    company,
    integrator,
    user,
    addressId: address.id,
    v,
    ctx: async () => ({
      company: await getCompany(t.db, company.id),
      user,
      services: { db: t.db, catalog: t.deps.catalog, checkout: t.deps.checkout },
    }),
    worker,
    async setStock(id, qty) {
      await t.db.update(variants).set({ availableQty: qty }).where(eq(variants.id, id));
    },
    async stockOf(id) {
      const [row] = await t.db
        .select({ qty: variants.availableQty })
        .from(variants)
        .where(eq(variants.id, id));
      return row!.qty;
    },
    close: () => integrator.close(),
  };
}
