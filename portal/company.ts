// A company's pages: its keys (the secret key shown once, rotation), webhooks (URL, test sends with verdicts),
// users with their chat history and orders, every order, and webhook deliveries with redelivery.
import { get, patch, post, qs } from './api.js';
import { duration, h, money, plural, replace, time, type Child } from './dom.js';
import type { Ctx, View } from './main.js';
import type {
  ChatMessage,
  Company,
  Delivery,
  Order,
  OrderDetail,
  Page,
  SignUpAnswer,
  User,
  WebhookTestReport,
} from './types.js';
import {
  alertBox,
  badge,
  busy,
  button,
  card,
  confirmInline,
  copyable,
  copyButton,
  details,
  empty,
  errorBox,
  field,
  loading,
  messageArea,
  pageHeader,
  pager,
  pre,
  table,
  toast,
} from './ui.js';

const PAGE_SIZE = 20;

const pageOf = (ctx: Ctx) => Math.max(1, Number(ctx.query.get('page')) || 1);

/** A one-time secret: shown with a warning and a copy button until the person says they have stored it. */
function oneTime(title: string, value: string, testid: string, done: () => void): HTMLElement {
  const box = h(
    'div',
    { class: 'one-time', role: 'region', 'aria-label': title },
    alertBox(
      'warn',
      h('strong', null, 'Copy it now. '),
      'This is the only time the secret key is shown: Aisle keeps only a hash of it. Store it in your server’s secrets.',
    ),
    copyable(title, value, { secret: true, testid }),
    button('I’ve stored it', {
      kind: 'primary',
      onclick: () => {
        box.remove();
        done();
      },
    }),
  );
  return box;
}

/** Right after sign-up: the three credentials, the secret key for the only time. */
export function welcomeView(
  main: HTMLElement,
  c: NonNullable<SignUpAnswer['credentials']>,
  done: () => void,
) {
  replace(
    main,
    pageHeader(
      'Your API keys are ready',
      'Put these in your backend’s configuration. You will need all three.',
    ),
    card(
      null,
      alertBox(
        'warn',
        h('strong', null, 'Your secret key is shown only once. '),
        'Copy it now and keep it on your server only: never in a web page or a mobile app. If it is lost or leaks, ' +
          'rotate it on the Keys page.',
      ),
      h(
        'div',
        { class: 'creds' },
        copyable('Client ID', c.client_id, { testid: 'client-id' }),
        copyable('Secret key', c.secret_key, { secret: true, testid: 'secret-key' }),
        copyable('Webhook secret', c.webhook_secret, { testid: 'webhook-secret' }),
      ),
      h(
        'p',
        { class: 'hint' },
        'Send the Client ID and Secret key as the X-Client-ID and X-Secret-Key headers on every /api/v1 request. ' +
          'The webhook secret signs the webhooks Aisle sends you (X-Webhook-Signature); you can see it again later.',
      ),
      h(
        'div',
        { class: 'actions' },
        button('I’ve stored my secret key — continue', { kind: 'primary', onclick: done }),
      ),
    ),
  );
}

// ---- Keys ----

async function keysView(main: HTMLElement, ctx: Ctx) {
  const company = await get<Company>('/company');
  if (!ctx.live()) return;
  const hint = h('code', { 'data-testid': 'key-hint' }, company.secret_key_hint);
  const secretCard = card('Secret key');
  const secretSlot = h('div');
  const rotate = button('Rotate secret key', {
    kind: 'danger',
    icon: 'sync',
    onclick: () =>
      confirmInline(secretCard, {
        text: 'Make a new secret key? The current one stops working at once: every server using it must get the new one.',
        confirm: 'Rotate now',
        run: async (btn) => {
          try {
            const fresh = await busy(btn, 'Rotating…', () =>
              post<Company & { secret_key: string }>('/company/rotate-secret'),
            );
            hint.textContent = fresh.secret_key_hint;
            replace(
              secretSlot,
              oneTime('New secret key', fresh.secret_key, 'new-secret-key', () => rotate.focus()),
            );
            secretSlot.querySelector('button')?.focus();
          } catch (err) {
            replace(secretSlot, errorBox(err));
          }
        },
      }),
  });
  secretCard.append(
    h(
      'p',
      null,
      'Starts with ',
      hint,
      '. It was shown once, when it was made; Aisle stores only a hash of it.',
    ),
    h(
      'p',
      { class: 'muted' },
      'Lost it, or worried it leaked? Rotate it: you get a new key to copy, and the old one stops working immediately.',
    ),
    h('div', { class: 'actions' }, rotate),
    secretSlot,
  );

  // The webhook secret: hidden until asked for.
  const whCard = card('Webhook secret');
  const whValue = h(
    'code',
    { 'data-testid': 'webhook-secret-value', class: 'masked' },
    'whsec_••••••••••••••••••••••••',
  );
  let revealed: string | null = null;
  const copyWh = copyButton('webhook secret', () => revealed ?? '');
  copyWh.hidden = true;
  const reveal = button('Reveal', {
    kind: 'ghost',
    icon: 'eye',
    label: 'Reveal webhook secret',
    onclick: async () => {
      if (revealed) {
        revealed = null;
        whValue.textContent = 'whsec_••••••••••••••••••••••••';
        whValue.classList.add('masked');
        reveal.querySelector('span')!.textContent = 'Reveal';
        reveal.setAttribute('aria-label', 'Reveal webhook secret');
        copyWh.hidden = true;
        return;
      }
      try {
        const { webhook_secret } = await busy(reveal, 'Revealing…', () =>
          get<{ webhook_secret: string }>('/company/webhook-secret'),
        );
        showWh(webhook_secret);
      } catch (err) {
        whCard.append(errorBox(err));
      }
    },
  });
  reveal.classList.add('small');
  const showWh = (secret: string) => {
    revealed = secret;
    whValue.textContent = secret;
    whValue.classList.remove('masked');
    reveal.querySelector('span')!.textContent = 'Hide';
    reveal.setAttribute('aria-label', 'Hide webhook secret');
    copyWh.hidden = false;
  };
  const rotateWh = button('Rotate webhook secret', {
    kind: 'secondary',
    icon: 'sync',
    onclick: () =>
      confirmInline(whCard, {
        text: 'Make a new webhook secret? Webhooks are signed with it from now on: update your endpoint’s verification first.',
        confirm: 'Rotate now',
        run: async (btn) => {
          try {
            const fresh = await busy(btn, 'Rotating…', () =>
              post<{ webhook_secret: string }>('/company/rotate-webhook-secret'),
            );
            showWh(fresh.webhook_secret);
            toast('New webhook secret made');
          } catch (err) {
            whCard.append(errorBox(err));
          }
        },
      }),
  });
  whCard.append(
    h(
      'p',
      { class: 'muted' },
      'Aisle signs every webhook with it: X-Webhook-Signature is sha256= HMAC-SHA256 of "{timestamp}.{body}".',
    ),
    h('div', { class: 'value-row' }, whValue, reveal, copyWh),
    h('div', { class: 'actions' }, rotateWh),
  );

  replace(
    main,
    pageHeader('API keys', `${company.name} · authenticate every /api/v1 request with these.`),
    h(
      'div',
      { class: 'grid two' },
      card(
        'Client ID',
        copyable('Client ID', company.client_id, { testid: 'client-id' }),
        h('p', { class: 'muted' }, 'Not secret on its own; sent as X-Client-ID.'),
      ),
      secretCard,
      whCard,
      card(
        'Try it',
        h('p', { class: 'muted' }, 'From your server, with the secret key in an environment variable:'),
        pre(
          `curl ${location.origin}/api/v1/users/ \\\n  -H "X-Client-ID: ${company.client_id}" \\\n  -H "X-Secret-Key: $AISLE_SECRET_KEY"`,
        ),
      ),
    ),
  );
}

// ---- Webhooks ----

function testReport(report: WebhookTestReport): HTMLElement {
  const problems = report.results.filter((r) => r.verdict === 'PROBLEM').length;
  return h(
    'div',
    { class: 'report', 'aria-live': 'polite' },
    report.ok
      ? alertBox(
          'ok',
          h('strong', null, 'All good. '),
          'Every event was answered as expected by ',
          h('code', null, report.url),
          '.',
        )
      : alertBox(
          'error',
          h('strong', null, `${problems} of ${report.results.length} need fixing. `),
          'Sent to ',
          h('code', null, report.url),
          '; see what to change below, then test again.',
        ),
    h(
      'ul',
      { class: 'results' },
      report.results.map((r) =>
        h(
          'li',
          { class: `result ${r.verdict === 'OK' ? 'ok' : 'bad'}` },
          h(
            'div',
            { class: 'result-head' },
            badge(r.verdict),
            h('code', { class: 'event' }, r.event),
            h('span', { class: 'muted' }, r.status_code === null ? 'no answer' : `HTTP ${r.status_code}`),
            h('span', { class: 'muted' }, duration(r.duration_ms)),
          ),
          h('p', { class: 'explanation' }, r.explanation),
          r.answer ? details('Answer', pre(r.answer)) : null,
        ),
      ),
    ),
  );
}

async function webhooksView(main: HTMLElement, ctx: Ctx) {
  const company = await get<Company>('/company');
  if (!ctx.live()) return;
  const msg = messageArea();
  const url = field('Webhook URL', {
    name: 'webhook_url',
    type: 'url',
    value: company.webhook_url ?? '',
    placeholder: 'https://api.example.com/webhooks/aisle',
    hint: 'Aisle POSTs balance_check, charge and order_followup here. http:// or https://.',
    spellcheck: false,
  });
  const save = button('Save', { kind: 'primary', type: 'submit' });
  const report = h('div');
  const testBtn = button('Send test webhooks', {
    kind: 'primary',
    icon: 'send',
    disabled: !company.webhook_url,
  });
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-label': 'Webhook endpoint' },
    msg.el,
    url.el,
    h('div', { class: 'actions' }, save),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    const value = url.input.value.trim();
    try {
      const updated = await busy(save, 'Saving…', () =>
        patch<Company>('/company', { webhook_url: value || null }),
      );
      testBtn.disabled = !updated.webhook_url;
      msg.ok(updated.webhook_url ? 'Saved. Send a test to check your endpoint.' : 'Webhook URL removed.');
    } catch (err) {
      msg.error(err);
    }
  });
  testBtn.addEventListener('click', async () => {
    replace(report, loading('Sending balance_check, charge and order_followup…'));
    try {
      const r = await busy(testBtn, 'Sending…', () => post<WebhookTestReport>('/company/webhook-test', {}));
      replace(report, testReport(r));
    } catch (err) {
      replace(report, errorBox(err));
    }
  });
  replace(
    main,
    pageHeader(
      'Webhooks',
      'Where Aisle asks your app to approve and take payments, and tells it what happened to orders.',
    ),
    h(
      'div',
      { class: 'grid two' },
      card('Endpoint', form),
      card(
        'Test your endpoint',
        h(
          'p',
          { class: 'muted' },
          'Sends a signed sample of each event, marked "test": true, and checks each answer against what Aisle expects. ' +
            'Nothing is ordered or charged.',
        ),
        h('div', { class: 'actions' }, testBtn),
        report,
      ),
    ),
  );
}

// ---- Users ----

async function usersView(main: HTMLElement, ctx: Ctx) {
  const page = pageOf(ctx);
  const data = await get<Page<User>>(`/users${qs({ page, page_size: PAGE_SIZE })}`);
  if (!ctx.live()) return;
  const limits = (u: User) => {
    const l = u.spending_limits;
    if (!l.per_order && !l.per_day) return h('span', { class: 'muted' }, 'none');
    return [l.per_order ? `${l.per_order} an order` : null, l.per_day ? `${l.per_day} a day` : null]
      .filter(Boolean)
      .join(' · ');
  };
  replace(
    main,
    pageHeader(
      'Users',
      'The shoppers your app registered, oldest first. Open one for their chat history and orders.',
    ),
    data.count === 0
      ? card(
          null,
          empty(
            'No users yet.',
            h('p', { class: 'muted' }, 'Register one with POST /api/v1/users/ and they appear here.'),
          ),
        )
      : card(
          null,
          table<User>(
            'Users',
            [
              {
                title: 'User',
                cell: (u) =>
                  h(
                    'a',
                    { href: `#/users/${encodeURIComponent(u.id)}` },
                    u.display_name || u.external_user_id,
                  ),
              },
              { title: 'External ID', cell: (u) => h('code', null, u.external_user_id) },
              { title: 'Spending limits', cell: limits },
              { title: 'Registered', cell: (u) => time(u.created_at) },
            ],
            data.results,
          ),
          pager({
            page,
            pageSize: PAGE_SIZE,
            count: data.count,
            noun: 'user',
            go: (p) => ctx.go(`#/users?page=${p}`),
          }),
        ),
  );
}

function itemsSummary(o: Order): string {
  const first = o.items[0];
  if (!first) return '—';
  const more = o.items.length - 1;
  return `${first.quantity} × ${first.product_title}${more > 0 ? ` and ${plural(more, 'more item')}` : ''}`;
}

function chatLog(messages: ChatMessage[]): HTMLElement {
  if (messages.length === 0) return empty('No messages yet.');
  return h(
    'ol',
    { class: 'chat', 'aria-label': 'Chat history' },
    messages.map((m) =>
      h(
        'li',
        { class: `bubble ${m.role}` },
        h('span', { class: 'who' }, m.role === 'user' ? 'Shopper' : 'Agent', ' · ', time(m.timestamp)),
        h('p', null, m.content),
        m.products?.length
          ? h(
              'p',
              { class: 'chips' },
              m.products.slice(0, 6).map((p) => h('span', { class: 'chip' }, p.title ?? p.name ?? 'product')),
            )
          : null,
        m.order?.id
          ? h(
              'p',
              { class: 'chips' },
              h('a', { class: 'chip', href: `#/orders/${m.order.id}` }, `Order ${m.order.status ?? ''}`),
            )
          : null,
      ),
    ),
  );
}

async function userView(main: HTMLElement, ctx: Ctx) {
  const ref = encodeURIComponent(ctx.params[0]!);
  const [user, history, orders] = await Promise.all([
    get<User>(`/users/${ref}`),
    get<{ messages: ChatMessage[]; older: string | null }>(`/users/${ref}/history?limit=50`),
    get<Order[]>(`/users/${ref}/orders`),
  ]);
  if (!ctx.live()) return;
  const log = chatLog(history.messages);
  const chat = card('Chat history', log);
  let older = history.older;
  if (older) {
    const more = button('Show older messages', {
      kind: 'ghost',
      onclick: async () => {
        const page = await busy(more, 'Loading…', () =>
          get<{ messages: ChatMessage[]; older: string | null }>(
            `/users/${ref}/history${qs({ limit: 50, before: older })}`,
          ),
        );
        older = page.older;
        log.prepend(...Array.from(chatLog(page.messages).children));
        if (!older) more.remove();
      },
    });
    chat.insertBefore(more, log);
  }
  replace(
    main,
    h('p', { class: 'back' }, h('a', { href: '#/users' }, '← All users')),
    pageHeader(
      user.display_name || user.external_user_id,
      h(
        'span',
        null,
        'External ID ',
        h('code', null, user.external_user_id),
        ' · ',
        h('code', null, user.id),
      ),
    ),
    h(
      'div',
      { class: 'grid two' },
      chat,
      card(
        'Orders',
        orders.length === 0
          ? empty('No orders yet.')
          : table<Order>(
              'Orders of this user',
              [
                {
                  title: 'Order',
                  cell: (o) => h('a', { href: `#/orders/${o.id}` }, h('code', null, o.id.slice(0, 14) + '…')),
                },
                { title: 'Items', cell: itemsSummary },
                { title: 'Total', cell: (o) => money(o.amount, o.currency), className: 'num' },
                { title: 'Status', cell: (o) => badge(o.status) },
              ],
              orders,
            ),
      ),
    ),
  );
}

// ---- Orders ----

async function ordersView(main: HTMLElement, ctx: Ctx) {
  const page = pageOf(ctx);
  const data = await get<Page<Order & { user_id: string }>>(`/orders${qs({ page, page_size: PAGE_SIZE })}`);
  if (!ctx.live()) return;
  replace(
    main,
    pageHeader('Orders', 'Every order your users placed, newest first.'),
    data.count === 0
      ? card(
          null,
          empty(
            'No orders yet.',
            h('p', { class: 'muted' }, 'Orders appear here once a shopper confirms a purchase.'),
          ),
        )
      : card(
          null,
          table<Order & { user_id: string }>(
            'Orders',
            [
              { title: 'Order', cell: (o) => h('a', { href: `#/orders/${o.id}` }, h('code', null, o.id)) },
              { title: 'Placed', cell: (o) => time(o.created_at) },
              { title: 'User', cell: (o) => h('code', null, o.user_id) },
              { title: 'Items', cell: itemsSummary },
              { title: 'Total', cell: (o) => money(o.amount, o.currency), className: 'num' },
              { title: 'Status', cell: (o) => badge(o.status) },
            ],
            data.results,
          ),
          pager({
            page,
            pageSize: PAGE_SIZE,
            count: data.count,
            noun: 'order',
            go: (p) => ctx.go(`#/orders?page=${p}`),
          }),
        ),
  );
}

function address(a: Order['shipping_address']): HTMLElement {
  return h(
    'address',
    null,
    [
      a.recipient_name,
      a.line1,
      a.line2,
      [a.city, a.state, a.zip].filter(Boolean).join(' '),
      a.country,
      a.phone,
    ]
      .filter(Boolean)
      .flatMap((line, i) => (i ? [h('br'), line] : [line])),
  );
}

function trackingLine(t: Order['tracking']): Child {
  if (!t || (!t.number && !t.carrier)) return null;
  const label = [t.carrier, t.number].filter(Boolean).join(' ');
  return t.url && /^https?:\/\//.test(t.url)
    ? h('a', { href: t.url, target: '_blank', rel: 'noopener noreferrer' }, label)
    : label;
}

export function itemsTable(
  o: { items: Order['items']; currency: string },
  total: string,
  caption = 'Items',
): HTMLElement {
  return table<Order['items'][number] | null>(
    caption,
    [
      {
        title: 'Product',
        cell: (i) =>
          i
            ? h(
                'span',
                null,
                h('strong', null, i.product_title),
                h('br'),
                h('small', { class: 'muted' }, i.variant_title),
              )
            : h('strong', null, 'Total'),
      },
      { title: 'Store', cell: (i) => i?.merchant ?? '' },
      { title: 'Qty', cell: (i) => (i ? String(i.quantity) : ''), className: 'num' },
      { title: 'Price', cell: (i) => (i ? money(i.price, o.currency) : ''), className: 'num' },
      {
        title: 'Line total',
        cell: (i) => (i ? money(i.line_total, o.currency) : h('strong', null, money(total, o.currency))),
        className: 'num',
      },
    ],
    [...o.items, null],
    (i) => (i ? '' : 'total-row'),
  );
}

async function orderView(main: HTMLElement, ctx: Ctx) {
  const o = await get<OrderDetail>(`/orders/${encodeURIComponent(ctx.params[0]!)}`);
  if (!ctx.live()) return;
  replace(
    main,
    h('p', { class: 'back' }, h('a', { href: '#/orders' }, '← All orders')),
    pageHeader(
      `Order ${o.id}`,
      h('span', null, badge(o.status), ' placed ', time(o.created_at), ' by ', h('code', null, o.user_id)),
    ),
    o.status_reason ? alertBox('info', o.status_reason) : null,
    h(
      'div',
      { class: 'grid two' },
      card('Items', itemsTable(o, o.amount)),
      h(
        'div',
        { class: 'stack' },
        card('Ship to', address(o.shipping_address)),
        card(
          'Payment',
          h(
            'dl',
            { class: 'facts' },
            h('dt', null, 'Amount'),
            h('dd', null, money(o.amount, o.currency)),
            h('dt', null, 'Transaction'),
            h('dd', null, o.transaction_id ? h('code', null, o.transaction_id) : '—'),
            h('dt', null, 'Tracking'),
            h('dd', null, trackingLine(o.tracking) ?? '—'),
          ),
        ),
      ),
    ),
    card(
      'History',
      h(
        'ol',
        { class: 'timeline' },
        o.events.map((e) =>
          h(
            'li',
            null,
            badge(e.status),
            ' ',
            h('span', { class: 'muted' }, `by ${e.actor} · `),
            time(e.at),
            e.note ? h('p', null, e.note) : null,
          ),
        ),
      ),
    ),
  );
}

// ---- Deliveries ----

const FINISHED = ['delivered', 'failed', 'dead', 'cancelled'];

function deliveryRow(d: Delivery): HTMLElement {
  const status = h('span', null, badge(d.status));
  const row = h(
    'li',
    { class: 'delivery', 'data-id': d.id },
    h(
      'div',
      { class: 'delivery-head' },
      h('code', { class: 'event' }, d.event),
      status,
      h(
        'span',
        { class: 'muted' },
        d.last_status_code === null ? 'no answer yet' : `HTTP ${d.last_status_code}`,
      ),
      h('span', { class: 'muted' }, `${plural(d.attempts, 'attempt')} of ${d.max_attempts}`),
      h('span', { class: 'muted' }, duration(d.last_duration_ms)),
      h('span', { class: 'when' }, time(d.created_at)),
    ),
    d.last_error ? h('p', { class: 'error-line' }, d.last_error) : null,
    h(
      'p',
      { class: 'muted small' },
      d.order_id
        ? ['Order ', h('a', { href: `#/orders/${d.order_id}` }, h('code', null, d.order_id)), ' · ']
        : null,
      d.merchant_id ? 'merchant hand-off · ' : null,
      h('code', null, d.id),
    ),
    details(
      'Payload and answer',
      h('h3', null, 'Sent'),
      pre(d.payload),
      h('h3', null, 'Last answer'),
      pre(d.last_response ?? '—'),
    ),
  );
  if (FINISHED.includes(d.status)) {
    const again = button('Redeliver', {
      kind: 'secondary',
      icon: 'send',
      label: `Redeliver ${d.event} ${d.id}`,
      onclick: async () => {
        try {
          const fresh = await busy(again, 'Queuing…', () =>
            post<Delivery>(`/deliveries/${encodeURIComponent(d.id)}/redeliver`),
          );
          row.replaceWith(deliveryRow(fresh));
          toast(`${d.event} queued again`);
        } catch (err) {
          row.append(errorBox(err));
        }
      },
    });
    again.classList.add('small');
    row.querySelector('.delivery-head')!.append(again);
  }
  return row;
}

async function deliveriesView(main: HTMLElement, ctx: Ctx) {
  const status = ctx.query.get('status') ?? '';
  const event = ctx.query.get('event') ?? '';
  const data = await get<{ results: Delivery[]; before: string | null }>(
    `/deliveries${qs({ status, event, limit: 25 })}`,
  );
  if (!ctx.live()) return;
  const select = (name: string, label: string, value: string, options: string[]) => {
    const id = `filter-${name}`;
    const el = h(
      'select',
      { id, name },
      h('option', { value: '' }, 'All'),
      options.map((o) => h('option', { value: o, selected: o === value }, o)),
    );
    el.addEventListener('change', () => {
      const q = new URLSearchParams(ctx.query);
      if (el.value) q.set(name, el.value);
      else q.delete(name);
      ctx.go(`#/deliveries${q.toString() ? `?${q}` : ''}`);
    });
    return h('div', { class: 'field inline' }, h('label', { for: id }, label), el);
  };
  const list = h('ul', { class: 'deliveries' }, data.results.map(deliveryRow));
  let before = data.before;
  const more = button('Show older', {
    kind: 'ghost',
    onclick: async () => {
      try {
        const page = await busy(more, 'Loading…', () =>
          get<{ results: Delivery[]; before: string | null }>(
            `/deliveries${qs({ status, event, limit: 25, before })}`,
          ),
        );
        list.append(...page.results.map(deliveryRow));
        before = page.before;
        if (!before) more.remove();
      } catch (err) {
        more.replaceWith(errorBox(err));
      }
    },
  });
  replace(
    main,
    pageHeader(
      'Webhook deliveries',
      'Everything Aisle sent to your endpoint (and to merchants for your orders), newest first, with the answers.',
    ),
    card(
      null,
      h(
        'div',
        { class: 'filters' },
        select('status', 'Status', status, [
          'pending',
          'delivering',
          'delivered',
          'failed',
          'dead',
          'cancelled',
        ]),
        select('event', 'Event', event, ['balance_check', 'charge', 'order_followup', 'merchant_order']),
      ),
      data.results.length === 0
        ? empty(
            status || event ? 'No deliveries match.' : 'Nothing sent yet.',
            h('p', { class: 'muted' }, 'Webhooks appear here as orders are placed.'),
          )
        : list,
      before ? h('div', { class: 'actions center' }, more) : null,
    ),
  );
}

export const companyViews: View[] = [
  { path: 'keys', title: 'API keys', nav: 'Keys', icon: 'key', render: keysView },
  { path: 'webhooks', title: 'Webhooks', nav: 'Webhooks', icon: 'hook', render: webhooksView },
  { path: 'users', title: 'Users', nav: 'Users', icon: 'users', render: usersView },
  { path: 'users/:id', title: 'User', nav: 'Users', render: userView },
  { path: 'orders', title: 'Orders', nav: 'Orders', icon: 'box', render: ordersView },
  { path: 'orders/:id', title: 'Order', nav: 'Orders', render: orderView },
  {
    path: 'deliveries',
    title: 'Webhook deliveries',
    nav: 'Deliveries',
    icon: 'send',
    render: deliveriesView,
  },
];
