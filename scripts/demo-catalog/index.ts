// The demo catalog's merchants, in the order they are listed in data/demo/merchants.json.
import { daybreakGeneral } from './daybreak-general.js';
import { hearthAndHollow } from './hearth-and-hollow.js';
import { lumenAndLeaf } from './lumen-and-leaf.js';
import type { MerchantCatalog } from './model.js';
import { northloom } from './northloom.js';
import { paceAndPath } from './pace-and-path.js';
import { ridgelineOutfitters } from './ridgeline-outfitters.js';
import { voltbay } from './voltbay.js';

export const catalogs: MerchantCatalog[] = [
  northloom,
  paceAndPath,
  ridgelineOutfitters,
  hearthAndHollow,
  voltbay,
  lumenAndLeaf,
  daybreakGeneral,
];
