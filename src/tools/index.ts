// The ordered registry of the eight tools. MCP, the chat agent and REST are thin mappers of this list.
import type { CompanyRow } from '../commerce/index.js';
import { addAddress } from './add-address.js';
import { buyProduct } from './buy-product.js';
import { checkBalance } from './check-balance.js';
import { getAddresses } from './get-addresses.js';
import { getProduct } from './get-product.js';
import { orderHistory } from './order-history.js';
import { registerUser } from './register-user.js';
import { searchProducts } from './search-products.js';
import type { Tool } from './tool.js';

export const TOOLS: readonly Tool[] = [
  searchProducts,
  getProduct,
  registerUser,
  addAddress,
  getAddresses,
  checkBalance,
  buyProduct,
  orderHistory,
] as unknown as Tool[];

export const TOOL_NAMES = TOOLS.map((t) => t.name);

/** The tools a company's integration exposes: all of them, or the subset it chose. Every transport asks here. */
export function toolsFor(company: Pick<CompanyRow, 'allowedTools'>): Tool[] {
  const allowed = company.allowedTools;
  return TOOLS.filter((t) => !allowed || allowed.includes(t.name));
}

export {
  defineTool,
  inputSchemaFor,
  actingUser,
  type Tool,
  type ToolContext,
  type ToolAnnotations,
} from './tool.js';
