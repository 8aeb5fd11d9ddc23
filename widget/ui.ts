// The widget's UI: a launcher button and a chat panel in a Shadow DOM. Streams replies into the current bubble,
// shows what the agent is doing, renders products, quotes and orders, and stays usable with a keyboard alone.
import { Connection, type Status } from './connection.js';
import { h, icon, ICONS } from './dom.js';
import { orderCard, productList, quoteCard, type BuyRequest } from './render.js';
import { CSS } from './styles.js';
import type { ServerEvent, Settings } from './types.js';

const TOOL_LABELS: Record<string, string> = {
  search_products: 'Searching products…',
  get_product: 'Looking at the product…',
  buy_product: 'Working on your order…',
  check_balance: 'Checking your balance…',
  order_history: 'Looking up your orders…',
  add_address: 'Saving your address…',
  get_addresses: 'Looking up your addresses…',
};

/** A reply after buy_product that asks the shopper to say yes to a quote (and placed no order). */
const QUOTE_WORDS = /\bquote\b|\bconfirm\b|\breply\s+["“]?yes\b|\bplace (?:the|this|your) order\b/i;

export class Widget {
  private readonly launcher: HTMLButtonElement;
  private readonly panel: HTMLElement;
  private readonly log: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sub: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly typing: HTMLElement;
  private readonly typingText: HTMLElement;
  private readonly conn: Connection;
  /** Messages sent whose reply has not come yet. */
  private waiting = 0;
  private bubble: HTMLElement | null = null;
  private toolsDone = new Set<string>();
  private quotes: (() => void)[] = [];
  private greeted = false;

  constructor(private readonly settings: Settings) {
    const host = document.createElement('aisle-widget');
    const root = host.attachShadow({ mode: 'open' });
    this.conn = new Connection(
      settings,
      (e) => this.onEvent(e),
      (s) => this.onStatus(s),
      (n) => {
        this.waiting = Math.max(0, this.waiting - n);
        this.bubble = null;
        this.showTyping('');
        this.note('The connection dropped before the reply arrived. Please ask again.');
      },
    );

    this.launcher = h(
      'button',
      {
        type: 'button',
        class: 'launcher',
        'aria-label': `Open ${settings.title}`,
        'aria-expanded': 'false',
        'aria-controls': 'panel',
        onclick: () => (this.isOpen ? this.close() : this.open()),
      },
      icon(ICONS.chat),
    );
    this.sub = h('p', { class: 'sub', text: 'Ask me to find and buy things' });
    this.banner = h('p', { class: 'banner', role: 'status', hidden: true });
    this.log = h('div', {
      class: 'log',
      role: 'log',
      'aria-live': 'polite',
      'aria-label': 'Conversation',
      tabindex: '0',
    });
    this.typingText = h('span', { text: '' });
    this.typing = h(
      'div',
      { class: 'typing', role: 'status', hidden: true },
      h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
      this.typingText,
    );
    this.input = h('textarea', {
      rows: 1,
      maxlength: '4000',
      'aria-label': 'Message',
      placeholder: 'Ask for anything…',
      enterkeyhint: 'send',
      onkeydown: (e: KeyboardEvent) => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          this.submitInput();
        }
      },
      oninput: () => this.grow(),
    });
    const form = h(
      'form',
      {
        onsubmit: (e: Event) => {
          e.preventDefault();
          this.submitInput();
        },
      },
      this.input,
      h('button', { type: 'submit', class: 'send', 'aria-label': 'Send message' }, icon(ICONS.send)),
    );
    this.panel = h(
      'section',
      { id: 'panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'title', hidden: true },
      h(
        'header',
        null,
        h('div', { class: 't' }, h('h2', { id: 'title', text: settings.title }), this.sub),
        h(
          'button',
          { type: 'button', class: 'icon', 'aria-label': 'Close chat', onclick: () => this.close() },
          icon(ICONS.close),
        ),
      ),
      this.banner,
      this.log,
      this.typing,
      form,
    );
    this.typing.style.padding = '0 14px 8px';
    root.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Escape' && this.isOpen) {
        e.stopPropagation();
        this.close();
      }
    });
    root.append(h('style', { text: CSS }), this.launcher, this.panel);
    document.body.appendChild(host);
    if (settings.open) this.open(false);
  }

  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  open(focus = true): void {
    this.panel.hidden = false;
    this.launcher.setAttribute('aria-expanded', 'true');
    this.launcher.setAttribute('aria-label', `Close ${this.settings.title}`);
    this.launcher.replaceChildren(icon(ICONS.close));
    if (!this.greeted && this.settings.greeting) {
      this.greeted = true;
      this.add(h('p', { class: 'msg bot', text: this.settings.greeting }));
    }
    this.conn.start();
    if (focus) this.input.focus();
    this.scroll(true);
  }

  close(): void {
    this.panel.hidden = true;
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.setAttribute('aria-label', `Open ${this.settings.title}`);
    this.launcher.replaceChildren(icon(ICONS.chat));
    this.launcher.focus();
  }

  /** Sends `text` as the shopper; `label` is what their bubble shows when it differs (e.g. a Buy button's). */
  send(text: string, label = text): void {
    const clean = text.trim();
    if (!clean) return;
    // A quote can be answered only by the very next message: older Confirm buttons stop working.
    for (const disable of this.quotes.splice(0)) disable();
    const mine = h('p', { class: 'msg me queued', text: label });
    this.add(mine);
    this.waiting += 1;
    const now = this.conn.send(clean, () => {
      mine.classList.remove('queued');
      mine.removeAttribute('title');
      this.showTyping('');
    });
    if (!now) mine.title = 'Waiting for the connection; it will be sent then.';
    this.showTyping('');
  }

  private submitInput(): void {
    const text = this.input.value;
    if (!text.trim()) return;
    this.input.value = '';
    this.grow();
    this.send(text);
  }

  private grow(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 120)}px`;
  }

  private onEvent(e: ServerEvent): void {
    switch (e.type) {
      case 'agent_response_delta': {
        this.log.setAttribute('aria-busy', 'true');
        if (!this.bubble) this.bubble = this.add(h('p', { class: 'msg bot' }));
        this.bubble.textContent += e.delta;
        this.showTyping('');
        this.scroll();
        break;
      }
      case 'tool_call':
        if (e.status === 'started') this.showTyping(TOOL_LABELS[e.tool] ?? 'Working…');
        else this.toolsDone.add(e.tool);
        break;
      case 'agent_response':
        this.finish(e);
        break;
      case 'error':
        // A model failure's friendly text came as the agent_response already.
        if (e.code.startsWith('model_')) break;
        this.note(e.message || 'Something went wrong; please try again.', true);
        if (e.code !== 'rate_limited') this.turnEnded();
        else this.showTyping('');
        break;
    }
  }

  private finish(e: Extract<ServerEvent, { type: 'agent_response' }>): void {
    const bubble = this.bubble ?? this.add(h('p', { class: 'msg bot' }));
    bubble.textContent = e.message;
    if (this.toolsDone.has('buy_product') && !e.order && QUOTE_WORDS.test(e.message)) {
      const quote = quoteCard(e.message, (yes) =>
        yes ? this.send('yes', 'Yes, place the order') : this.send('no', 'No, cancel'),
      );
      bubble.replaceWith(quote.el);
      this.quotes.push(quote.disable);
    }
    if (e.products?.length) {
      this.add(productList(e.products, (r: BuyRequest) => this.send(r.text, r.label)));
    }
    if (e.order) this.add(orderCard(e.order));
    this.turnEnded();
    this.scroll(true);
  }

  private turnEnded(): void {
    this.bubble = null;
    this.toolsDone = new Set();
    this.log.setAttribute('aria-busy', 'false');
    this.waiting = Math.max(0, this.waiting - 1);
    this.typingText.textContent = '';
    this.showTyping('');
  }

  private showTyping(label: string): void {
    this.typing.hidden = this.waiting === 0 || !this.conn.online || (this.bubble !== null && !label);
    if (label || this.typing.hidden) this.typingText.textContent = label;
    if (!this.typing.hidden && !this.typingText.textContent) this.typingText.textContent = 'Typing…';
  }

  private onStatus(s: Status): void {
    this.sub.textContent =
      s.state === 'online' ? 'Online' : s.state === 'connecting' ? 'Connecting…' : 'Offline';
    this.showTyping('');
    if (s.state === 'online' || s.state === 'connecting') {
      this.banner.hidden = true;
      return;
    }
    this.banner.replaceChildren(s.detail);
    if (s.state === 'failed') {
      this.banner.append(
        h('button', { type: 'button', class: 'btn', onclick: () => this.conn.retryNow() }, 'Try again'),
      );
    }
    this.banner.hidden = false;
  }

  private note(text: string, error = false): void {
    this.add(h('p', { class: error ? 'note err' : 'note', text }));
  }

  private add<T extends HTMLElement>(el: T): T {
    this.log.append(el);
    this.scroll(true);
    return el;
  }

  /** Keeps the newest message in view; while streaming, only if the shopper has not scrolled up. */
  private scroll(force = false): void {
    const log = this.log;
    if (force || log.scrollHeight - log.scrollTop - log.clientHeight < 80) log.scrollTop = log.scrollHeight;
  }
}
