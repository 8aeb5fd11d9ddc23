// Handing a paid order's part to its merchant. Stores synced from Shopify or WooCommerce get the order through their
// connector; until a connector can, and for file catalogs, the part is recorded for manual fulfilment.
import type { MerchantRow } from '../catalog/schema.js';

export type HandoffResult = { ok: true; note: string } | { ok: false; error: string; retryable: boolean };

export type MerchantHandoff = (
  merchant: MerchantRow,
  payload: Record<string, unknown>,
) => Promise<HandoffResult>;

const manual: MerchantHandoff = async (merchant) => ({
  ok: true,
  note: `${merchant.name} notified for manual fulfilment`,
});

const handoffs: Partial<Record<MerchantRow['platform'], MerchantHandoff>> = {};

/** Connectors register how their platform receives orders. */
export function registerHandoff(platform: MerchantRow['platform'], handoff: MerchantHandoff) {
  handoffs[platform] = handoff;
}

export const handoffFor = (merchant: MerchantRow): MerchantHandoff => handoffs[merchant.platform] ?? manual;
