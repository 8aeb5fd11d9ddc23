// A merchant's pages: connect the Shopify or WooCommerce store, run and watch syncs, see the products Aisle holds,
// and ship the orders that contain its items.
import { get, post, qs } from './api.js';
import { itemsTable } from './company.js';
import { duration, h, money, plural, replace, time, type Child } from './dom.js';
import type { Ctx, View } from './main.js';
import type { MerchantInfo, MerchantOrder, Page, Product, SyncRun } from './types.js';
import {
  alertBox,
  badge,
  busy,
  button,
  card,
  copyable,
  empty,
  field,
  messageArea,
  pageHeader,
  pager,
  passwordField,
  table,
  toast,
} from './ui.js';

const PAGE_SIZE = 24;
const POLL_MS = 1500;

const pageOf = (ctx: Ctx) => Math.max(1, Number(ctx.query.get('page')) || 1);

// ---- Store ----

function connectForm(
  onConnected: (info: { run: SyncRun | null; store_name: string }) => void,
  reconnect: boolean,
): HTMLElement {
  const msg = messageArea();
  let platform: 'shopify' | 'woocommerce' = 'shopify';
  const shop = field('Store domain', {
    name: 'shop',
    placeholder: 'your-store.myshopify.com',
    required: true,
    spellcheck: false,
    hint: 'Your NAME.myshopify.com address.',
  });
  const token = passwordField('Admin API access token', {
    name: 'access_token',
    required: true,
    autocomplete: 'off',
    hint: 'From a custom app (Settings → Apps → Develop apps) with read_products, read_inventory, read_orders and write_orders.',
  });
  const shopifySecret = passwordField('API secret key', {
    name: 'webhook_secret',
    autocomplete: 'off',
    hint: 'The app’s API secret key: Shopify signs its webhooks with it.',
  });
  const site = field('Site URL', {
    name: 'url',
    type: 'url',
    placeholder: 'https://shop.example.com',
    required: true,
    spellcheck: false,
  });
  const key = passwordField('Consumer key', {
    name: 'consumer_key',
    required: true,
    autocomplete: 'off',
    hint: 'WooCommerce → Settings → Advanced → REST API, Read/Write.',
  });
  const secret = passwordField('Consumer secret', {
    name: 'consumer_secret',
    required: true,
    autocomplete: 'off',
  });
  const wooSecret = passwordField('Webhook secret', {
    name: 'woo_webhook_secret',
    autocomplete: 'off',
    hint: 'The secret you set on the store’s webhooks.',
  });
  const shopifyFields = h('div', { class: 'stack' }, shop.el, token.el, shopifySecret.el);
  const wooFields = h('div', { class: 'stack', hidden: true }, site.el, key.el, secret.el, wooSecret.el);
  const choice = (value: 'shopify' | 'woocommerce', title: string) => {
    const input = h('input', { type: 'radio', name: 'platform', value, checked: value === platform });
    input.addEventListener('change', () => {
      platform = value;
      shopifyFields.hidden = value !== 'shopify';
      wooFields.hidden = value !== 'woocommerce';
    });
    return h('label', { class: 'choice compact' }, input, h('span', null, h('strong', null, title)));
  };
  const syncNow = h('input', { type: 'checkbox', id: 'sync-now', name: 'sync', checked: true });
  const submit = button(reconnect ? 'Update connection' : 'Connect store', {
    kind: 'primary',
    type: 'submit',
    icon: 'store',
  });
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-label': 'Connect your store' },
    msg.el,
    h(
      'fieldset',
      { class: 'choices row' },
      h('legend', null, 'Platform'),
      choice('shopify', 'Shopify'),
      choice('woocommerce', 'WooCommerce'),
    ),
    shopifyFields,
    wooFields,
    h('div', { class: 'check' }, syncNow, h('label', { for: 'sync-now' }, 'Sync my products right away')),
    h(
      'p',
      { class: 'hint' },
      'Aisle checks the credentials with your store before saving them, keeps them encrypted, and never shows them again.',
    ),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    const body =
      platform === 'shopify'
        ? {
            platform,
            shop: shop.input.value.trim(),
            access_token: token.input.value.trim(),
            ...(shopifySecret.input.value.trim() && { webhook_secret: shopifySecret.input.value.trim() }),
            sync: syncNow.checked,
          }
        : {
            platform,
            url: site.input.value.trim(),
            consumer_key: key.input.value.trim(),
            consumer_secret: secret.input.value.trim(),
            ...(wooSecret.input.value.trim() && { webhook_secret: wooSecret.input.value.trim() }),
            sync: syncNow.checked,
          };
    const missing = Object.entries(body).filter(([k, v]) => v === '' && k !== 'webhook_secret');
    if (missing.length) {
      msg.invalid('Fill in the store address and its credentials.');
      return;
    }
    try {
      const answer = await busy(submit, 'Checking with your store…', () =>
        post<{ run: SyncRun | null; store_name: string }>('/merchant/store', body),
      );
      for (const input of form.querySelectorAll<HTMLInputElement>('input[type=password], input[type=text]'))
        input.value = '';
      onConnected(answer);
    } catch (err) {
      msg.error(err);
    }
  });
  return form;
}

async function storeView(main: HTMLElement, ctx: Ctx) {
  const info = await get<MerchantInfo>('/merchant');
  if (!ctx.live()) return;
  const c = info.connection;
  const connected = (answer: { run: SyncRun | null; store_name: string }) => {
    toast(`Connected to ${answer.store_name}`);
    ctx.go(answer.run ? '#/sync' : '#/store');
  };
  if (!c) {
    replace(
      main,
      pageHeader(
        `Welcome, ${info.merchant.name}`,
        'Connect your store and its products become shoppable through Aisle’s agent.',
      ),
      h(
        'div',
        { class: 'grid two' },
        card('Connect your store', connectForm(connected, false)),
        card(
          'How it works',
          h(
            'ol',
            { class: 'steps' },
            h(
              'li',
              null,
              h('strong', null, 'Connect. '),
              'Aisle checks your credentials with the store and keeps them encrypted.',
            ),
            h(
              'li',
              null,
              h('strong', null, 'Sync. '),
              'Every product and variant, with prices and stock, comes into the catalog.',
            ),
            h(
              'li',
              null,
              h('strong', null, 'Sell. '),
              'Paid orders arrive in your store; you ship them and add tracking.',
            ),
          ),
        ),
      ),
    );
    return;
  }
  const reconnect = h('div', { hidden: true }, connectForm(connected, true));
  const toggle = button('Update credentials', {
    kind: 'ghost',
    onclick: () => {
      reconnect.hidden = !reconnect.hidden;
      toggle.setAttribute('aria-expanded', String(!reconnect.hidden));
      if (!reconnect.hidden) reconnect.querySelector('input')?.focus();
    },
  });
  toggle.setAttribute('aria-expanded', 'false');
  replace(
    main,
    pageHeader(
      info.merchant.name,
      h('span', null, 'Your store is connected. ', h('a', { href: '#/sync' }, 'See its syncs →')),
    ),
    h(
      'div',
      { class: 'grid two' },
      card(
        'Store',
        h(
          'dl',
          { class: 'facts' },
          h('dt', null, 'Platform'),
          h('dd', null, c.platform === 'shopify' ? 'Shopify' : 'WooCommerce'),
          h('dt', null, 'Address'),
          h('dd', null, h('code', null, c.base_url)),
          h('dt', null, 'Last full sync'),
          h('dd', null, time(c.last_full_sync_at)),
          h('dt', null, 'Last catch-up'),
          h('dd', null, time(c.last_reconciled_at)),
        ),
        h('div', { class: 'actions' }, toggle),
        reconnect,
      ),
      card(
        'Live updates',
        h(
          'p',
          { class: 'muted' },
          'Register this address for your store’s webhooks (products, inventory, fulfilments) so changes reach Aisle at once:',
        ),
        copyable(
          'Webhook address',
          c.webhook_url.startsWith('/') ? `${location.origin}${c.webhook_url}` : c.webhook_url,
        ),
        h(
          'p',
          { class: 'hint' },
          'Aisle also catches up with your store regularly, for anything a webhook missed.',
        ),
      ),
    ),
  );
}

// ---- Sync ----

function runsTable(runs: SyncRun[]): HTMLElement {
  const num = (k: keyof SyncRun) => ({
    title: k[0]!.toUpperCase() + k.slice(1),
    cell: (r: SyncRun) => String(r[k] as number),
    className: 'num',
  });
  return h(
    'div',
    null,
    table<SyncRun>(
      'Sync runs',
      [
        { title: 'Started', cell: (r) => time(r.started_at) },
        { title: 'Kind', cell: (r) => (r.kind === 'full' ? 'Full sync' : 'Catch-up') },
        { title: 'Status', cell: (r) => badge(r.status) },
        num('fetched'),
        num('created'),
        num('updated'),
        num('unchanged'),
        num('deleted'),
        num('rejected'),
        {
          title: 'Took',
          cell: (r) =>
            r.finished_at
              ? duration(new Date(r.finished_at).getTime() - new Date(r.started_at).getTime())
              : h('span', { class: 'spinner small', role: 'img', 'aria-label': 'running' }),
          className: 'num',
        },
      ],
      runs,
      (r) => `run-${r.status}`,
    ),
    runs.some((r) => r.errors.length)
      ? h(
          'ul',
          { class: 'run-errors' },
          runs
            .filter((r) => r.errors.length)
            .slice(0, 5)
            .map((r) =>
              h(
                'li',
                null,
                alertBox(
                  r.status === 'failed' ? 'error' : 'warn',
                  h('strong', null, `${time(r.started_at).textContent}: `),
                  r.errors.slice(0, 5).join(' · '),
                ),
              ),
            ),
        )
      : null,
  );
}

async function syncView(main: HTMLElement, ctx: Ctx) {
  const [info, first] = await Promise.all([
    get<MerchantInfo>('/merchant'),
    get<SyncRun[]>('/merchant/sync-runs'),
  ]);
  if (!ctx.live()) return;
  if (!info.connection) {
    replace(
      main,
      pageHeader('Sync'),
      card(
        null,
        empty('No store connected yet.', h('p', null, h('a', { href: '#/store' }, 'Connect your store'))),
      ),
    );
    return;
  }
  const slot = h('div', { 'aria-live': 'polite' });
  const msg = messageArea();
  const summary = h('p', { class: 'lead' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  ctx.onLeave(() => clearTimeout(timer));
  const show = (runs: SyncRun[]) => {
    const running = runs.find((r) => r.status === 'running');
    const last = runs.find((r) => r.status !== 'running');
    replace(
      summary,
      running
        ? `Syncing now: ${plural(running.fetched, 'product')} read so far.`
        : last
          ? `Last ${last.kind === 'full' ? 'full sync' : 'catch-up'} ${last.status} ${time(last.finished_at).textContent}.`
          : 'No sync yet.',
    );
    full.disabled = catchUp.disabled = !!running;
    replace(
      slot,
      runs.length ? runsTable(runs) : empty('No syncs yet.', h('p', { class: 'muted' }, 'Start one above.')),
    );
    clearTimeout(timer);
    if (running) timer = setTimeout(poll, POLL_MS);
  };
  const poll = async () => {
    try {
      const runs = await get<SyncRun[]>('/merchant/sync-runs');
      if (ctx.live()) show(runs);
    } catch (err) {
      if (ctx.live()) msg.error(err);
    }
  };
  const start = (kind: 'full' | 'reconcile', btn: HTMLButtonElement) => async () => {
    msg.clear();
    try {
      await busy(btn, 'Starting…', () => post<SyncRun>('/merchant/sync', { kind }));
      toast(kind === 'full' ? 'Full sync started' : 'Catch-up started');
      await poll();
    } catch (err) {
      msg.error(err);
    }
  };
  const full = button('Full sync', { kind: 'primary', icon: 'sync' });
  const catchUp = button('Catch up on changes', { kind: 'secondary' });
  full.addEventListener('click', start('full', full));
  catchUp.addEventListener('click', start('reconcile', catchUp));
  replace(
    main,
    pageHeader('Sync', summary, full, catchUp),
    msg.el,
    card(
      'Recent runs',
      h(
        'p',
        { class: 'muted' },
        'A full sync reads every product and removes what your store no longer has; a catch-up reads only what changed since the last one.',
      ),
      slot,
    ),
  );
  show(first);
}

// ---- Products ----

function priceRange(p: Product): string {
  if (!p.min_price) return '—';
  return p.min_price === p.max_price
    ? money(p.min_price, p.currency)
    : `${money(p.min_price, p.currency)} – ${money(p.max_price, p.currency)}`;
}

function productCard(p: Product): HTMLElement {
  const img = p.image_url
    ? h('img', { src: p.image_url, alt: '', loading: 'lazy', referrerpolicy: 'no-referrer' })
    : null;
  const frame = h(
    'div',
    { class: 'thumb' },
    img ?? h('span', { 'aria-hidden': 'true' }, p.title.slice(0, 1)),
  );
  img?.addEventListener('error', () =>
    img.replaceWith(h('span', { 'aria-hidden': 'true' }, p.title.slice(0, 1))),
  );
  return h(
    'li',
    { class: 'product' },
    frame,
    h(
      'div',
      { class: 'product-body' },
      h('h2', { class: 'product-title' }, p.title),
      h('p', { class: 'muted small' }, [p.vendor, p.product_type].filter(Boolean).join(' · ') || '\u00a0'),
      h('p', { class: 'price' }, priceRange(p)),
      h(
        'p',
        { class: 'meta' },
        p.status === 'active' ? null : badge(p.status),
        h(
          'span',
          { class: p.stock > 0 ? 'stock ok' : 'stock out' },
          p.stock > 0 ? `${p.stock.toLocaleString()} in stock` : 'Out of stock',
        ),
        h('span', { class: 'muted' }, plural(p.variants, 'variant')),
      ),
    ),
  );
}

async function productsView(main: HTMLElement, ctx: Ctx) {
  const page = pageOf(ctx);
  const q = ctx.query.get('q') ?? '';
  const data = await get<Page<Product>>(`/merchant/products${qs({ page, page_size: PAGE_SIZE, q })}`);
  if (!ctx.live()) return;
  const search = field('Search your products', {
    name: 'q',
    type: 'search',
    value: q,
    placeholder: 'Title contains…',
    plain: true,
  });
  const form = h(
    'form',
    { class: 'search', role: 'search' },
    search.el,
    button('Search', { type: 'submit' }),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = search.input.value.trim();
    ctx.go(`#/products${v ? `?q=${encodeURIComponent(v)}` : ''}`);
  });
  replace(
    main,
    pageHeader(
      'Products',
      `${plural(data.count, 'product')} from your store in Aisle’s catalog${q ? ` matching “${q}”` : ''}.`,
    ),
    form,
    data.count === 0
      ? card(
          null,
          empty(
            q ? 'No products match.' : 'No products yet.',
            q ? null : h('p', null, h('a', { href: '#/sync' }, 'Run a sync'), ' to bring them in.'),
          ),
        )
      : h(
          'div',
          null,
          h('ul', { class: 'products', 'aria-label': 'Products' }, data.results.map(productCard)),
          pager({
            page,
            pageSize: PAGE_SIZE,
            count: data.count,
            noun: 'product',
            go: (p) => ctx.go(`#/products${qs({ q, page: p })}`),
          }),
        ),
  );
}

// ---- Orders ----

function shipForm(o: MerchantOrder, done: (fresh: MerchantOrder) => void): HTMLElement {
  const msg = messageArea();
  const carrier = field('Carrier', { name: 'carrier', placeholder: 'UPS' });
  const number = field('Tracking number', { name: 'number', spellcheck: false });
  const url = field('Tracking link', {
    name: 'url',
    type: 'url',
    placeholder: 'https://…',
    spellcheck: false,
  });
  const submit = button(o.other_merchants ? 'Mark my part shipped' : 'Mark shipped', {
    kind: 'primary',
    type: 'submit',
    icon: 'truck',
  });
  const form = h(
    'form',
    { class: 'ship-form', novalidate: true, 'aria-label': `Ship order ${o.id}` },
    msg.el,
    h('div', { class: 'row3' }, carrier.el, number.el, url.el),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    const body = Object.fromEntries(
      [
        ['carrier', carrier.input.value.trim()],
        ['number', number.input.value.trim()],
        ['url', url.input.value.trim()],
      ].filter(([, v]) => v),
    );
    try {
      const fresh = await busy(submit, 'Saving…', () =>
        post<MerchantOrder>(`/merchant/orders/${encodeURIComponent(o.id)}/ship`, body),
      );
      done(fresh);
    } catch (err) {
      msg.error(err);
    }
  });
  return form;
}

function addressLines(a: MerchantOrder['shipping_address']): Child[] {
  return [
    a.recipient_name,
    a.line1,
    a.line2,
    [a.city, a.state, a.zip].filter(Boolean).join(' '),
    a.country,
    a.phone,
  ]
    .filter(Boolean)
    .flatMap((line, i) => (i ? [h('br'), line] : [line]));
}

function merchantOrderCard(o: MerchantOrder): HTMLElement {
  const el = h('article', { class: 'card order-card', 'aria-labelledby': `o-${o.id}` });
  const draw = (x: MerchantOrder) => {
    const t = x.tracking;
    replace(
      el,
      h(
        'div',
        { class: 'order-head' },
        h('h2', { id: `o-${x.id}` }, h('code', null, x.id)),
        badge(x.status),
        x.part && x.other_merchants
          ? h('span', { class: 'muted' }, 'your part: ', badge(x.part.status))
          : null,
        h('span', { class: 'when' }, time(x.created_at)),
      ),
      x.other_merchants
        ? h('p', { class: 'hint' }, 'This order also has items from other stores; only yours are shown.')
        : null,
      h(
        'div',
        { class: 'grid order-grid' },
        itemsTable(x, x.subtotal, `Items of order ${x.id}`),
        h('div', null, h('h3', null, 'Ship to'), h('address', null, addressLines(x.shipping_address))),
      ),
      t && (t.number || t.carrier)
        ? h(
            'p',
            null,
            'Tracking: ',
            t.url && /^https?:\/\//.test(t.url)
              ? h(
                  'a',
                  { href: t.url, target: '_blank', rel: 'noopener noreferrer' },
                  [t.carrier, t.number].filter(Boolean).join(' '),
                )
              : [t.carrier, t.number].filter(Boolean).join(' '),
          )
        : null,
      x.can_ship
        ? shipForm(x, (fresh) => {
            toast(`Order ${fresh.id} marked shipped`);
            draw(fresh);
          })
        : null,
    );
  };
  draw(o);
  return el;
}

async function ordersView(main: HTMLElement, ctx: Ctx) {
  const page = pageOf(ctx);
  // What there is to ship by default; every order with ?all=1.
  const all = ctx.query.get('all') === '1';
  const data = await get<Page<MerchantOrder>>(
    `/merchant/orders${qs({ page, page_size: 10, open: all ? undefined : '1' })}`,
  );
  if (!ctx.live()) return;
  const filter = h(
    'nav',
    { class: 'tabs small', 'aria-label': 'Which orders' },
    h(
      'a',
      {
        href: '#/merchant-orders',
        class: `tab${all ? '' : ' current'}`,
        'aria-current': all ? undefined : 'page',
      },
      'To ship',
    ),
    h(
      'a',
      {
        href: '#/merchant-orders?all=1',
        class: `tab${all ? ' current' : ''}`,
        'aria-current': all ? 'page' : undefined,
      },
      'All orders',
    ),
  );
  replace(
    main,
    pageHeader(
      'Orders',
      'Paid orders with your products. Ship them and add tracking: the buyer’s app is told at once.',
    ),
    filter,
    data.count === 0
      ? card(
          null,
          empty(
            all ? 'No orders yet.' : 'Nothing to ship right now.',
            all ? null : h('p', null, h('a', { href: '#/merchant-orders?all=1' }, 'See all orders')),
          ),
        )
      : h(
          'div',
          { class: 'stack' },
          data.results.map(merchantOrderCard),
          pager({
            page,
            pageSize: 10,
            count: data.count,
            noun: 'order',
            go: (p) => ctx.go(`#/merchant-orders${qs({ all: all ? '1' : undefined, page: p })}`),
          }),
        ),
  );
}

export const merchantViews: View[] = [
  { path: 'store', title: 'Store', nav: 'Store', icon: 'store', render: storeView },
  { path: 'sync', title: 'Sync', nav: 'Sync', icon: 'sync', render: syncView },
  { path: 'products', title: 'Products', nav: 'Products', icon: 'tag', render: productsView },
  { path: 'merchant-orders', title: 'Orders', nav: 'Orders', icon: 'truck', render: ordersView },
];
