// The rich parts of a reply: product cards (with a variant picker and Buy), a quote to confirm, an order receipt.
// Server text only ever goes in as text (textContent), never as HTML.
import { h, icon, ICONS, money } from './dom.js';
import type { Order, Product, Variant } from './types.js';

/** What a card's Buy button asks for: the wire text and what the shopper sees in their bubble. */
export type BuyRequest = { text: string; label: string };

const safeImage = (url: string | null | undefined) => (url && /^https?:\/\//i.test(url) ? url : null);

function stockText(v: Variant | undefined): string {
  if (!v) return 'Unavailable';
  if (!v.in_stock) return 'Sold out';
  const qty = v.available_qty;
  return typeof qty === 'number' && qty <= 5 ? `Only ${qty} left` : 'In stock';
}

function placeholder(title: string): HTMLElement {
  const letters = title
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
  return h('div', { class: 'img ph', 'aria-hidden': 'true', text: letters || '?' });
}

export function productCard(p: Product, onBuy: (r: BuyRequest) => void): HTMLElement {
  const title = p.title || p.name || p.id;
  const variants = p.variants ?? [];
  let chosen = variants.find((v) => v.in_stock) ?? variants[0];
  const currency = (v?: Variant) => v?.currency ?? p.currency;

  const price = h('span', { class: 'price', text: money(chosen?.price ?? p.price, currency(chosen)) });
  const stock = h('span', { class: 'stock', text: stockText(chosen) });
  const buy = h('button', { type: 'button', class: 'btn primary', 'aria-label': `Buy ${title}` }, 'Buy');

  const update = () => {
    price.textContent = money(chosen?.price ?? p.price, currency(chosen));
    stock.textContent = stockText(chosen);
    stock.classList.toggle('out', !chosen?.in_stock);
    buy.disabled = !chosen?.in_stock;
  };

  let picker: HTMLElement | null = null;
  if (variants.length > 1) {
    const select = h('select', { 'aria-label': `Option for ${title}` });
    for (const v of variants) {
      const label = `${v.title} · ${money(v.price, currency(v))}${v.in_stock ? '' : ' (sold out)'}`;
      select.append(h('option', { value: v.id, selected: v === chosen }, label));
    }
    select.addEventListener('change', () => {
      chosen = variants.find((v) => v.id === select.value);
      update();
    });
    picker = select;
  } else if (chosen && chosen.title && !/^default/i.test(chosen.title)) {
    picker = h('span', { class: 'variant', text: chosen.title });
  }

  buy.addEventListener('click', () => {
    if (!chosen?.in_stock) return;
    const which = variants.length > 1 ? ` (${chosen.title})` : '';
    onBuy({ text: `buy ${chosen.id} x1`, label: `Buy ${title}${which}` });
  });
  update();

  const src = safeImage(p.image_url);
  const image = src ? h('img', { class: 'img', src, alt: '', loading: 'lazy' }) : placeholder(title);
  if (src) image.addEventListener('error', () => image.replaceWith(placeholder(title)), { once: true });

  return h(
    'li',
    { class: 'card product' },
    image,
    h(
      'div',
      { class: 'body' },
      h('p', { class: 'title', text: title }),
      p.merchant ? h('p', { class: 'muted', text: p.merchant }) : null,
      h('p', { class: 'row' }, price, stock),
      picker,
      buy,
    ),
  );
}

export function productList(products: Product[], onBuy: (r: BuyRequest) => void): HTMLElement {
  return h(
    'ul',
    { class: 'products', 'aria-label': `${products.length} product${products.length === 1 ? '' : 's'}` },
    ...products.map((p) => productCard(p, onBuy)),
  );
}

/** A quote awaiting the shopper's answer: the agent's text, Confirm (sends "yes") and Cancel (sends "no"). */
export function quoteCard(
  message: string,
  answer: (yes: boolean) => void,
): { el: HTMLElement; disable(): void } {
  const lines = message.split('\n').filter((l) => l.trim());
  const body = h(
    'div',
    { class: 'lines' },
    ...lines.map((l) => h('p', { class: /^\s*total\b/i.test(l) ? 'total' : '', text: l })),
  );
  const confirm = h('button', { type: 'button', class: 'btn primary' }, 'Confirm');
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const buttons = [confirm, cancel];
  const disable = () => buttons.forEach((b) => (b.disabled = true));
  confirm.addEventListener('click', () => {
    disable();
    answer(true);
  });
  cancel.addEventListener('click', () => {
    disable();
    answer(false);
  });
  const el = h(
    'div',
    { class: 'card quote', role: 'group', 'aria-label': 'Quote' },
    h('p', { class: 'kicker', text: 'Quote · nothing is ordered until you confirm' }),
    body,
    h('div', { class: 'actions' }, confirm, cancel),
  );
  return { el, disable };
}

const STATUS_TONE: Record<string, string> = {
  PAID: 'ok',
  FULFILLED: 'ok',
  SHIPPED: 'ok',
  DELIVERED: 'ok',
  PENDING: 'wait',
  APPROVED: 'wait',
};

export function orderCard(o: Order): HTMLElement {
  const tone = STATUS_TONE[o.status] ?? 'bad';
  const heading =
    tone === 'ok' ? 'Order confirmed' : tone === 'wait' ? 'Order placed' : 'Order not completed';
  return h(
    'div',
    { class: `card order ${tone}`, role: 'group', 'aria-label': heading },
    h(
      'p',
      { class: 'head' },
      tone === 'ok' ? icon(ICONS.check) : null,
      h('span', { class: 'title', text: heading }),
      h('span', { class: `badge ${tone}`, text: o.status }),
    ),
    h('p', { class: 'muted' }, 'Order ', h('code', { text: o.id })),
    h(
      'ul',
      { class: 'items' },
      ...(o.items ?? []).map((i) =>
        h(
          'li',
          null,
          h('span', {
            text: `${i.qty ?? i.quantity ?? 1} × ${i.product ?? i.product_title ?? ''}${
              (i.variant ?? i.variant_title) ? ` (${i.variant ?? i.variant_title})` : ''
            }`,
          }),
          h('span', { text: money(i.line_total ?? i.price, o.currency) }),
        ),
      ),
    ),
    h(
      'p',
      { class: 'row total' },
      h('span', { text: 'Total' }),
      h('span', { text: money(o.amount, o.currency) }),
    ),
    o.status_reason ? h('p', { class: 'muted', text: o.status_reason }) : null,
  );
}
