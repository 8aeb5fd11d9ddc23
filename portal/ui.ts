// Building blocks every page uses: headings, cards, badges, fields, buttons, copy-to-clipboard, alerts, tables,
// pagers, toasts and inline confirmations. Everything is a real control with a label.
import { ApiError } from './api.js';
import { append, h, icon, ICONS, plural, replace, type Child } from './dom.js';

let uid = 0;
export const nextId = (prefix: string) => `${prefix}-${++uid}`;

/** The page's title (focused after each navigation, for screen readers), a line under it and its actions. */
export function pageHeader(title: string, lead?: Child, ...actions: Child[]): HTMLElement {
  return h(
    'div',
    { class: 'page-head' },
    h('div', null, h('h1', { tabindex: '-1' }, title), lead ? h('p', { class: 'lead' }, lead) : null),
    actions.length ? h('div', { class: 'actions' }, ...actions) : null,
  );
}

export function card(title: string | null, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, title ? h('h2', null, title) : null, ...children);
}

const TONES: Record<string, string> = {
  PAID: 'ok',
  FULFILLED: 'ok',
  SHIPPED: 'info',
  DELIVERED: 'ok',
  PENDING: 'wait',
  APPROVED: 'wait',
  DECLINED: 'bad',
  PAYMENT_FAILED: 'bad',
  CANCELLED: 'muted',
  EXPIRED: 'muted',
  delivered: 'ok',
  pending: 'wait',
  delivering: 'wait',
  failed: 'bad',
  dead: 'bad',
  cancelled: 'muted',
  running: 'wait',
  succeeded: 'ok',
  OK: 'ok',
  PROBLEM: 'bad',
  active: 'ok',
  draft: 'muted',
  archived: 'muted',
  created: 'wait',
};

export function badge(text: string, tone = TONES[text] ?? 'muted'): HTMLElement {
  return h('span', { class: `badge ${tone}` }, text.replaceAll('_', ' '));
}

type ButtonOptions = {
  kind?: 'primary' | 'secondary' | 'danger' | 'ghost';
  type?: 'button' | 'submit';
  icon?: keyof typeof ICONS;
  label?: string;
  disabled?: boolean;
  onclick?: (e: MouseEvent) => void;
};

export function button(text: string, o: ButtonOptions = {}): HTMLButtonElement {
  return h(
    'button',
    {
      type: o.type ?? 'button',
      class: `btn ${o.kind ?? 'secondary'}`,
      'aria-label': o.label,
      disabled: o.disabled,
      onclick: o.onclick,
    },
    o.icon ? icon(ICONS[o.icon]) : null,
    h('span', null, text),
  );
}

/** Runs `work` with the button disabled and saying `busyText`; restores it after. */
export async function busy<T>(btn: HTMLButtonElement, busyText: string, work: () => Promise<T>): Promise<T> {
  const label = btn.querySelector('span');
  const before = label?.textContent ?? '';
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  if (label) label.textContent = busyText;
  try {
    return await work();
  } finally {
    btn.disabled = false;
    btn.removeAttribute('aria-busy');
    if (label) label.textContent = before;
  }
}

type FieldOptions = {
  type?: string;
  name: string;
  value?: string;
  placeholder?: string;
  hint?: Child;
  required?: boolean;
  autocomplete?: string;
  minlength?: number;
  inputmode?: string;
  spellcheck?: boolean;
  /** Leave "(optional)" off the label (a search box). */
  plain?: boolean;
};

/** A labelled input with an optional hint (tied with aria-describedby). */
export function field(label: string, o: FieldOptions): { el: HTMLElement; input: HTMLInputElement } {
  const id = nextId(o.name);
  const hintId = o.hint ? `${id}-hint` : undefined;
  const input = h('input', {
    id,
    name: o.name,
    type: o.type ?? 'text',
    value: o.value,
    placeholder: o.placeholder,
    required: o.required,
    autocomplete: o.autocomplete,
    minlength: o.minlength,
    inputmode: o.inputmode,
    spellcheck: o.spellcheck === false ? 'false' : undefined,
    'aria-describedby': hintId,
  });
  const el = h(
    'div',
    { class: 'field' },
    h(
      'label',
      { for: id },
      label,
      o.required || o.plain ? null : h('span', { class: 'optional' }, ' (optional)'),
    ),
    input,
    o.hint ? h('p', { class: 'hint', id: hintId }, o.hint) : null,
  );
  return { el, input };
}

/** A password field with a Show/Hide toggle. */
export function passwordField(label: string, o: FieldOptions) {
  const f = field(label, { ...o, type: 'password' });
  const toggle = h('button', {
    type: 'button',
    class: 'btn ghost small reveal',
    'aria-pressed': 'false',
    'aria-label': `Show ${label.toLowerCase()}`,
    onclick: () => {
      const show = f.input.type === 'password';
      f.input.type = show ? 'text' : 'password';
      toggle.setAttribute('aria-pressed', String(show));
      toggle.textContent = show ? 'Hide' : 'Show';
    },
    text: 'Show',
  });
  const wrap = h('div', { class: 'with-button' });
  f.input.replaceWith(wrap);
  append(wrap, f.input, toggle);
  return f;
}

/** Copies text to the clipboard, falling back to a selection where the Clipboard API is not allowed. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = h('textarea', { class: 'offscreen', readonly: true, 'aria-hidden': 'true' });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

export function copyButton(what: string, text: () => string): HTMLButtonElement {
  const btn = button('Copy', {
    kind: 'ghost',
    icon: 'copy',
    label: `Copy ${what}`,
    onclick: async () => {
      const ok = await copyText(text());
      toast(
        ok ? `${what[0]!.toUpperCase()}${what.slice(1)} copied` : 'Could not copy: select the text instead',
      );
    },
  });
  btn.classList.add('small');
  return btn;
}

/** A value shown in a monospace box with a copy button. */
export function copyable(label: string, value: string, o: { secret?: boolean; testid?: string } = {}) {
  const id = nextId('val');
  return h(
    'div',
    { class: `copyable${o.secret ? ' secret' : ''}` },
    h('span', { class: 'label', id }, label),
    h(
      'div',
      { class: 'value-row' },
      h('code', { 'aria-labelledby': id, 'data-testid': o.testid }, value),
      copyButton(label.toLowerCase(), () => value),
    ),
  );
}

export function alertBox(kind: 'error' | 'warn' | 'ok' | 'info', ...children: Child[]): HTMLElement {
  return h(
    'div',
    { class: `alert ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    icon(ICONS[kind === 'ok' ? 'check' : 'alert']),
    h('div', null, ...children),
  );
}

/** What went wrong, in words: an API error's title and detail. */
export function errorBox(err: unknown): HTMLElement {
  if (err instanceof ApiError) return alertBox('error', h('strong', null, err.title), ' ', err.message);
  return alertBox(
    'error',
    h('strong', null, 'Something went wrong.'),
    ' ',
    String((err as Error)?.message ?? err),
  );
}

/** A message area for a form: shows an error or a success line, announced to screen readers. */
export function messageArea(): {
  el: HTMLElement;
  error(err: unknown): void;
  /** A problem with what was typed, found before sending. */
  invalid(text: string): void;
  ok(...c: Child[]): void;
  clear(): void;
} {
  const el = h('div', { class: 'messages' });
  return {
    el,
    error: (err) => replace(el, errorBox(err)),
    invalid: (text) => replace(el, alertBox('error', h('strong', null, 'Please check the form. '), text)),
    ok: (...c) => replace(el, alertBox('ok', ...c)),
    clear: () => el.replaceChildren(),
  };
}

export function loading(text = 'Loading…'): HTMLElement {
  return h(
    'p',
    { class: 'loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    text,
  );
}

export function empty(title: string, ...more: Child[]): HTMLElement {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title), ...more);
}

export type Column<T> = { title: string; cell: (row: T) => Child | Child[]; className?: string };

/** A table with a caption (visually hidden unless given `showCaption`), scrolling sideways on small screens. */
export function table<T>(
  caption: string,
  columns: Column<T>[],
  rows: T[],
  rowClass?: (row: T) => string,
): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: '0' },
    h(
      'table',
      null,
      h('caption', { class: 'sr-only' }, caption),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          columns.map((c) => h('th', { scope: 'col', class: c.className }, c.title)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((r) =>
          h(
            'tr',
            { class: rowClass?.(r) },
            columns.map((c) => h('td', { class: c.className, 'data-label': c.title }, c.cell(r))),
          ),
        ),
      ),
    ),
  );
}

/** "Page 2 of 5 · 93 users" with Previous and Next. */
export function pager(o: {
  page: number;
  pageSize: number;
  count: number;
  noun: string;
  go: (page: number) => void;
}) {
  const pages = Math.max(1, Math.ceil(o.count / o.pageSize));
  if (pages === 1) return h('p', { class: 'pager muted' }, plural(o.count, o.noun));
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    button('Previous', { disabled: o.page <= 1, onclick: () => o.go(o.page - 1) }),
    h('span', { class: 'muted' }, `Page ${o.page} of ${pages} · ${plural(o.count, o.noun)}`),
    button('Next', { disabled: o.page >= pages, onclick: () => o.go(o.page + 1) }),
  );
}

/** An inline "are you sure?" under a control: a sentence, a confirm button and Cancel. */
export function confirmInline(
  host: HTMLElement,
  o: {
    text: Child;
    confirm: string;
    kind?: 'danger' | 'primary';
    run: (btn: HTMLButtonElement) => Promise<void>;
  },
) {
  const cancel = button('Cancel', { kind: 'ghost', onclick: () => box.remove() });
  const go = button(o.confirm, { kind: o.kind ?? 'danger' });
  const box = h(
    'div',
    { class: 'confirm', role: 'group', 'aria-label': 'Confirm' },
    h('p', null, o.text),
    h('div', { class: 'actions' }, go, cancel),
  );
  go.addEventListener('click', async () => {
    await o.run(go);
    box.remove();
  });
  host.querySelector('.confirm')?.remove();
  host.appendChild(box);
  go.focus();
}

let toasts: HTMLElement | undefined;

/** A short message in the corner, read out by screen readers. */
export function toast(text: string) {
  if (!toasts || !toasts.isConnected) {
    toasts = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(toasts);
  }
  const t = h('div', { class: 'toast' }, text);
  toasts.appendChild(t);
  setTimeout(() => t.remove(), 3000);
}

export function statusDot(ok: boolean, text: string): HTMLElement {
  return h('span', { class: `dot ${ok ? 'ok' : 'bad'}` }, text);
}

export function details(summary: string, ...children: Child[]): HTMLElement {
  return h('details', null, h('summary', null, summary), ...children);
}

export function pre(value: unknown): HTMLElement {
  return h('pre', { class: 'code' }, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}
