// The shipped connectors, by platform: what the server and the CLI use unless a test passes its own.
import type { Db } from '../../db/client.js';
import type { Connectors } from './connections.js';
import { createShopifyConnector } from './shopify.js';
import { catalogSourceIds, createWooCommerceConnector } from './woocommerce.js';

export function defaultConnectors(db: Db): Connectors {
  const resolveSourceIds = catalogSourceIds(db);
  return {
    shopify: createShopifyConnector({ resolveSourceIds }),
    woocommerce: createWooCommerceConnector({ resolveSourceIds }),
  };
}
