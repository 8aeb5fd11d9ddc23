// The ordered registry of tools. MCP, the chat agent and REST are thin mappers of this list.
import { getProduct } from './get-product.js';
import { searchProducts } from './search-products.js';
import type { Tool } from './tool.js';

export const TOOLS: Tool[] = [searchProducts, getProduct] as unknown as Tool[];

export { defineTool, type Tool, type ToolContext, type ToolAnnotations } from './tool.js';
