// Handing a paid order's part to its merchant. A connected store (Shopify, WooCommerce) gets a real order through
// its connector (see catalog/connectors/handoff.ts); a file catalog's merchant is recorded for manual fulfilment.
import type { MerchantRow } from '../catalog/schema.js';

export type HandoffResult = { ok: true; note: string } | { ok: false; error: string; retryable: boolean };

export type MerchantHandoff = (
  merchant: MerchantRow,
  payload: Record<string, unknown>,
) => Promise<HandoffResult>;

export const manualHandoff: MerchantHandoff = async (merchant) => ({
  ok: true,
  note: `${merchant.name} notified for manual fulfilment`,
});
