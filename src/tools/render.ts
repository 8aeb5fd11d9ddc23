// Plain-text renderings of product cards, for hosts and models that read text rather than structured content.
import type { ProductCard } from '../catalog/products.js';

export function renderVariant(v: ProductCard['variants'][number]): string {
  const sale = v.compare_at_price ? ` (was ${v.compare_at_price})` : '';
  const stock = v.in_stock ? `${v.available_qty} in stock` : 'SOLD OUT';
  return `${v.title}: ${v.price} ${v.currency}${sale}, ${stock} [${v.id}]`;
}

export function renderProductLine(p: ProductCard, n?: number): string {
  const head = `${n !== undefined ? `${n}. ` : ''}${p.title} by ${p.vendor || p.merchant}, sold by ${p.merchant}`;
  const price = p.price ? `from ${p.price} ${p.currency}` : 'no price';
  return `${head}: ${price}${p.in_stock ? '' : ', SOLD OUT'} [${p.id}]`;
}
