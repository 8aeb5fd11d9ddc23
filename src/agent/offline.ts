// The offline agent: a deterministic, rule-based stand-in for Claude when no ANTHROPIC_API_KEY is set, so a fresh
// install has a working chat. It speaks the Messages API shapes and calls the same tools through the same loop.
// Safety rules: intents are read only from the shopper's own text messages (never from tool results, so text in a
// product description cannot trigger anything); all state lives in the messages; and an order is placed only when the
// shopper's latest message is a plain "yes" sent right after the quote it answers (its token from an earlier turn).
import { randomUUID } from 'node:crypto';
import type Anthropic from '@anthropic-ai/sdk';
import type { ProductCard, VariantCard } from '../catalog/products.js';
import type { AddressView } from '../commerce/addresses.js';
import type { OrderItemView, OrderView, Quote } from '../commerce/order-views.js';
import { localReply, type ModelClient, type ModelMessage, type ModelReply } from './model.js';

/** Every final text reply starts with this, so shoppers and integrators know it is not Claude. */
export const OFFLINE_LABEL = '[Offline assistant] ';
/** Ends a reply that asks which variant to buy; the shopper's next message is read as the answer. */
export const ASK_VARIANT = 'Which one would you like?';
/** Tool rounds the offline agent starts in one turn at most (a lookup, then a quote, is two). */
const MAX_ROUNDS = 4;
const SEARCH_LIMIT = 5;
const MAX_QUANTITY = 20;

export function createOfflineModel(): ModelClient {
  return {
    model: 'offline',
    offline: true,
    async respond(request, onText, signal) {
      signal.throwIfAborted();
      const convo = read(request.messages);
      const action = decide(convo, new Set(request.tools.map((t) => t.name)));
      if (action.kind === 'tool') {
        const block: Anthropic.Messages.ToolUseBlock = {
          type: 'tool_use',
          id: `toolu_offline_${convo.maxToolNumber + 1}`,
          name: action.name,
          input: action.input,
          caller: { type: 'direct' },
        };
        return reply([block], 'tool_use');
      }
      const text = OFFLINE_LABEL + action.text;
      for (const [i, chunk] of chunks(text).entries()) {
        if (i > 0) await new Promise((resolve) => setImmediate(resolve));
        signal.throwIfAborted();
        onText(chunk);
      }
      return reply([{ type: 'text', text, citations: null }], 'end_turn');
    },
  };
}

function reply(content: Anthropic.Messages.ContentBlock[], stopReason: 'tool_use' | 'end_turn'): ModelReply {
  return localReply(
    { id: `msg_offline_${randomUUID().replace(/-/g, '')}`, model: 'offline' },
    content,
    stopReason,
  );
}

/** The text in a few pieces, split after spaces, that join back to exactly the text. */
export function chunks(text: string, parts = 4): string[] {
  const size = Math.max(1, Math.ceil(text.length / parts));
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    if (end < text.length) {
      const space = text.indexOf(' ', end);
      end = space === -1 ? text.length : space + 1;
    }
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the conversation

type Input = Record<string, unknown>;
type ToolCall = { id: string; name: string; input: Input };
type Outcome = { call: ToolCall; ok: boolean; data: unknown; text: string; code: string | null; at: number };
type Entry =
  | { kind: 'user'; text: string }
  | { kind: 'assistant'; text: string; calls: ToolCall[] }
  | { kind: 'results'; outcomes: Outcome[] };
type Conversation = {
  entries: Entry[];
  outcomes: Outcome[];
  /** Index of the latest text message from the shopper, -1 if none. */
  lastUser: number;
  /** The highest n of the toolu_offline_<n> ids so far. */
  maxToolNumber: number;
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function blockText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is { type: 'text'; text: string } => isObject(b) && b.type === 'text')
    .map((b) => b.text)
    .join('\n');
}

function read(messages: ModelMessage[]): Conversation {
  const entries: Entry[] = [];
  const outcomes: Outcome[] = [];
  const calls = new Map<string, ToolCall>();
  let maxToolNumber = 0;
  let lastUser = -1;
  for (const m of messages) {
    if (m.role === 'assistant') {
      const blocks = typeof m.content === 'string' ? [] : m.content;
      const made: ToolCall[] = [];
      for (const b of blocks) {
        if (b.type !== 'tool_use') continue;
        const call = { id: b.id, name: b.name, input: isObject(b.input) ? b.input : {} };
        made.push(call);
        calls.set(b.id, call);
        const n = /^toolu_offline_(\d+)$/.exec(b.id);
        if (n) maxToolNumber = Math.max(maxToolNumber, Number(n[1]));
      }
      entries.push({ kind: 'assistant', text: blockText(m.content), calls: made });
    } else if (m.role === 'user') {
      const results =
        typeof m.content === 'string'
          ? []
          : m.content.filter((b): b is Anthropic.Messages.ToolResultBlockParam => b.type === 'tool_result');
      if (results.length === 0) {
        lastUser = entries.length;
        entries.push({ kind: 'user', text: blockText(m.content) });
        continue;
      }
      const at = entries.length;
      const got = results.map((r): Outcome => {
        const call = calls.get(r.tool_use_id) ?? { id: r.tool_use_id, name: 'unknown', input: {} };
        const text = blockText(r.content);
        if (r.is_error) {
          const m = /^([\s\S]*?)\s*\(code: ([\w.-]+)\)\s*$/.exec(text);
          return { call, ok: false, data: null, text: m ? m[1]! : text, code: m ? m[2]! : null, at };
        }
        let data: unknown = null;
        try {
          data = JSON.parse(text);
        } catch {
          // Not JSON: keep the text.
        }
        return { call, ok: true, data, text, code: null, at };
      });
      outcomes.push(...got);
      entries.push({ kind: 'results', outcomes: got });
    }
  }
  return { entries, outcomes, lastUser, maxToolNumber };
}

/** The shopper's text message before entry `index`, or -1. */
function previousUser(c: Conversation, index: number): number {
  for (let i = index - 1; i >= 0; i--) if (c.entries[i]!.kind === 'user') return i;
  return -1;
}

function userText(c: Conversation, index: number): string {
  const e = c.entries[index];
  return e?.kind === 'user' ? e.text : '';
}

// ---------------------------------------------------------------------------------------------------------------
// What the conversation has shown so far

type Known = { card: ProductCard; full: boolean };
type Knowledge = {
  /** The products of the most recent search, for "the first one", "number 3". */
  search: ProductCard[] | null;
  /** The latest card of each product seen; full = every variant is listed (get_product, or an unfiltered card). */
  products: Map<string, Known>;
  /** The product "it" means: the last one looked at, or the only search result. */
  focus: ProductCard | null;
  /** The quote the shopper's latest message may say yes to: shown in the turn right before it. */
  pending: Quote | null;
  /** The shopper's latest text, then earlier ones each answered by a "which variant?" question. */
  texts: string[];
};

const CONFIRMABLE = new Set(['quote', 'price_changed', 'out_of_stock', 'quote_expired']);

function asCard(v: unknown): ProductCard | null {
  if (!isObject(v) || typeof v.id !== 'string' || !Array.isArray(v.variants)) return null;
  const variants = v.variants.filter((x): x is VariantCard => isObject(x) && typeof x.id === 'string');
  return {
    ...(v as ProductCard),
    title: String(v.title ?? v.id),
    variant_count: typeof v.variant_count === 'number' ? v.variant_count : variants.length,
    variants: variants.map((x) => ({
      ...x,
      title: String(x.title ?? x.id),
      options: isObject(x.options) ? x.options : {},
    })),
  } as ProductCard;
}

function knowledge(c: Conversation): Knowledge {
  let search: ProductCard[] | null = null;
  let focus: ProductCard | null = null;
  const products = new Map<string, Known>();
  for (const o of c.outcomes) {
    if (!o.ok || !isObject(o.data)) continue;
    if (o.call.name === 'search_products' && Array.isArray(o.data.products)) {
      search = o.data.products.map(asCard).filter((p): p is ProductCard => p !== null);
      for (const card of search) {
        const full = card.variants.length >= card.variant_count;
        if (full || !products.get(card.id)?.full) products.set(card.id, { card, full });
      }
      focus = search.length === 1 ? search[0]! : null;
    } else if (o.call.name === 'get_product') {
      const card = asCard(o.data.product);
      if (card) {
        products.set(card.id, { card, full: true });
        focus = card;
      }
    }
  }

  // A quote may be confirmed only by the message right after the turn that showed it.
  let pending: Quote | null = null;
  const before = previousUser(c, c.lastUser);
  const lastBuy = c.outcomes.filter((o) => o.at < c.lastUser && o.call.name === 'buy_product').at(-1);
  if (lastBuy && lastBuy.ok && lastBuy.at > before && isObject(lastBuy.data)) {
    const { status, quote } = lastBuy.data;
    if (
      typeof status === 'string' &&
      CONFIRMABLE.has(status) &&
      isObject(quote) &&
      typeof quote.confirmation_token === 'string' &&
      quote.confirmation_token
    ) {
      pending = quote as Quote;
    }
  }

  // Answers to "which one?" carry on the request they answer.
  const texts = [userText(c, c.lastUser)];
  for (let i = c.lastUser; texts.length < 5;) {
    const p = previousUser(c, i);
    if (p < 0) break;
    const replies = c.entries.slice(p + 1, i).filter((e) => e.kind === 'assistant' && e.text.trim());
    const final = replies.at(-1);
    if (final?.kind !== 'assistant' || !final.text.trimEnd().endsWith(ASK_VARIANT)) break;
    texts.push(userText(c, p));
    i = p;
  }
  return { search, products, focus, pending, texts };
}

// ---------------------------------------------------------------------------------------------------------------
// Deciding the next step

type Action =
  { kind: 'tool'; name: string; input: Input } | { kind: 'say'; text: string; resolved?: boolean };

const tool = (name: string, input: Input): Action => ({ kind: 'tool', name, input });
const say = (text: string): Action => ({ kind: 'say', text });
/** A reply that settles a purchase request once the product is known (e.g. which variant), instead of a recap. */
const settle = (text: string): Action => ({ kind: 'say', text, resolved: true });

function decide(c: Conversation, tools: Set<string>): Action {
  const last = c.entries.at(-1);
  if (!last || c.lastUser < 0) return say(help('hello'));
  const gate = (a: Action): Action =>
    a.kind === 'tool' && !tools.has(a.name)
      ? say(`Sorry, I can't do that here: this shop has not enabled the ${a.name} tool.`)
      : a;
  if (last.kind === 'user') return gate(classify(knowledge(c)));
  if (last.kind === 'assistant') return say(help());

  const turn = c.outcomes.filter((o) => o.at > c.lastUser);
  const rounds = c.entries
    .slice(c.lastUser + 1)
    .filter((e) => e.kind === 'assistant' && e.calls.length).length;
  if (rounds < MAX_ROUNDS && last.outcomes.every((o) => o.ok)) {
    const requote = requoteAfterAddress(c, turn);
    if (requote) return gate(requote);
    // The same request, now with what the tools returned: a purchase may go on from a lookup to a quote.
    const next = classify(knowledge(c));
    // One call per tool a turn: a tool whose result is in is never called again for the same words.
    if (next.kind === 'tool' && !turn.some((o) => o.call.name === next.name)) return gate(next);
    if (next.kind === 'say' && next.resolved) return next;
  }
  return say(compose(last.outcomes, turn));
}

/** After an address is saved, quote again the purchase that failed for want of one in the turn before. */
function requoteAfterAddress(c: Conversation, turn: Outcome[]): Action | null {
  if (!turn.some((o) => o.ok && o.call.name === 'add_address')) return null;
  if (turn.some((o) => o.call.name === 'buy_product')) return null;
  const failed = c.outcomes.filter((o) => o.at < c.lastUser && o.call.name === 'buy_product').at(-1);
  if (!failed || failed.ok || failed.code !== 'address_required') return null;
  if (failed.at < previousUser(c, c.lastUser)) return null;
  const { confirmation_token, ...input } = failed.call.input;
  return confirmation_token === undefined ? tool('buy_product', input) : null;
}

// Phrases. Texts are matched lowercased, with curly apostrophes straightened.
const ORDERS =
  /\b(my orders?|order history|order status|orders? (?:list|placed)|(?:past|previous|recent|last) orders?|where(?:'s| is| are) my (?:order|orders|package|parcel|stuff|delivery|purchase)|track(?:ing)? (?:my |the )?(?:order|package|parcel)|what did i (?:buy|order|purchase))\b|^orders?\W*$/;
const ADD_ADDRESS =
  /\b(?:ship(?:\s+(?:it|them|this|that|everything|my orders?))?\s+to|deliver(?:\s+(?:it|them))?\s+to|send(?:\s+(?:it|them))?\s+to|(?:add|save|new|use)\s+(?:a\s+|an\s+|my\s+|this\s+|the\s+)?(?:new\s+)?(?:shipping\s+|delivery\s+|home\s+|work\s+)?address|my\s+(?:new\s+)?(?:shipping\s+|delivery\s+|home\s+)?address\s+is|^address\s*:)/i;
const LIST_ADDRESSES =
  /\b(my (?:default |shipping |saved |delivery |home )?address(?:es)?|saved addresses|addresses|shipping address(?:es)?|where (?:do|will|would) you ship)\b/;
const BALANCE = /\b(afford|balance|can i (?:pay|spend)|enough (?:money|funds|credit)|budget)\b/;
const DETAILS =
  /\b(tell me (?:more|about)|more (?:about|on|info|details)|what about|details?|describe|description|info(?:rmation)?|how much (?:is|are|does)|look at|show me (?:the |number |#)?(?:first|second|third|fourth|fifth|last|\d|#|number|more)|what(?:'s| is| are) (?:the )?(?:first|second|third|fourth|fifth|last|number|#|\d))/;
const ABOUT_REF = /\b(in stock|available|price|cost|colou?rs?|sizes?|options|variants)\b/;
const BUY =
  /\b(buy|purchase|order (?:it|this|that|the|one|two|three|number|#|\d)|i'?ll take|i will take|i'?d like to (?:buy|order|get)|i want to (?:buy|order|get)|get me|grab|check ?out|add (?:it |this |that )?to (?:my )?(?:cart|basket)|take (?:it|this|that|the|number|#|\d|one|two|three))\b/;
const SEARCH =
  /\b(show|find|search|look(?:ing)? for|any|do you (?:have|sell|carry|stock)|got any|have you got|need|want|recommend|suggest|browse|shop(?:ping)? for|cheap|cheapest|best|under|below|less than|over|between|size|in stock|on sale|deals?)\b|[$€£]\s*\d/;
const GREETING = /^(hi|hello|hey|hiya|yo|howdy|good (?:morning|afternoon|evening)|greetings)\b/;
const THANKS = /^(thanks?|thank you|thx|ty|cheers|great|cool|nice|awesome)\b/;
const CHAT =
  /^(help|menu|start|who|what|why|how|when|where|is|are|can|could|would|will|does|tell|please|\?)\b/;

const wordSet = (...lines: string[]) => new Set(lines.join(' ').split(' '));
const AFFIRM_CORE = wordSet(
  'yes y yeah yep yup ya sure ok okay k kk confirm confirmed place proceed absolutely definitely alright correct',
);
const AFFIRM_WORDS = new Set([
  ...AFFIRM_CORE,
  ...wordSet(
    'i please pls it the this that thats order go ahead do buy of course sounds good great perfect lets thanks',
    'thank you fine right now one and looks',
  ),
]);
const STRONG_YES = new Set(['yes', 'yeah', 'yep', 'yup', 'sure', 'confirm', 'confirmed']);
const AFFIRM_PHRASES = /\b(go ahead|do it|buy it|sounds good|of course|looks good)\b/;
const NEGATIVE_CORE = wordSet('no n nope nah cancel dont not stop nevermind never');
const NEGATIVE_WORDS = new Set([
  ...NEGATIVE_CORE,
  ...wordSet(
    'mind it that this the order place buy please thanks thank you i changed my wait hold on forget skip do want',
    'anymore now quote',
  ),
]);

const wordsOf = (t: string) => (t.replace(/'/g, '').match(/[a-z0-9]+/g) ?? []) as string[];
const isNegative = (w: string[]) =>
  w.length > 0 &&
  w.length <= 8 &&
  w.every((x) => NEGATIVE_WORDS.has(x)) &&
  (w.some((x) => NEGATIVE_CORE.has(x)) || /\b(forget it|hold on|wait)\b/.test(w.join(' ')));
const isAffirmative = (w: string[]) =>
  w.length > 0 &&
  w.length <= 8 &&
  w.every((x) => AFFIRM_WORDS.has(x)) &&
  (w.some((x) => AFFIRM_CORE.has(x)) || AFFIRM_PHRASES.test(w.join(' ')));

function classify(k: Knowledge): Action {
  const raw = k.texts[0]!.trim();
  const t = raw.toLowerCase().replace(/[’‘]/g, "'").replace(/\s+/g, ' ');
  const words = wordsOf(t);
  if (!words.length) return say(help('hello'));

  // Answers to a quote: only a plain yes right after it places the order.
  if (isNegative(words)) {
    return say(
      k.pending
        ? "OK, I won't place it. Nothing was ordered. Tell me if you'd like something else."
        : "OK. Nothing is waiting to be ordered. Tell me what you're looking for.",
    );
  }
  if (isAffirmative(words)) {
    if (k.pending) return tool('buy_product', { confirmation_token: k.pending.confirmation_token });
    if (!BUY.test(t)) {
      return say(
        "There's no quote waiting for your yes right now (a yes counts only as the reply to the quote I just " +
          'showed). Tell me what to buy, e.g. "buy the first one", and I\'ll show you a quote first.',
      );
    }
  }
  if (k.pending && STRONG_YES.has(words[0]!)) {
    return say(
      'To place the order as quoted, reply just "yes". To change it, tell me what to buy instead, e.g. ' +
        '"buy the first one in size 10"; nothing has been ordered yet.',
    );
  }

  if (ORDERS.test(t)) return tool('order_history', { limit: 5 });
  if (ADD_ADDRESS.test(raw) || looksLikeAddress(raw)) {
    const address = parseAddress(raw);
    return address
      ? tool('add_address', address)
      : say(
          'Please give me the address in one line, like this: "ship to 123 Main St, New York, NY 10001, US" ' +
            '(street, city, state and ZIP or postal code, two-letter country code).',
        );
  }
  if (LIST_ADDRESSES.test(t)) return tool('get_addresses', {});
  if (BALANCE.test(t)) return balance(t, k);

  if (k.texts.length > 1 && !SEARCH_VERB_ONLY.test(t) && !DETAILS.test(t)) {
    const answer = buy(k, true);
    if (answer) return answer;
  }

  const ref = parseRef(t, true);
  if (DETAILS.test(t) || (ref && ref.kind !== 'bare' && ABOUT_REF.test(t) && !BUY.test(t))) {
    return details(ref, t, k);
  }
  if (ref?.kind === 'prod' && !BUY.test(t)) return details(ref, t, k);
  const named = !ref && ABOUT_REF.test(t) && !BUY.test(t) ? namedProduct(t, k) : null;
  if (named) return tool('get_product', { product_id: named.id });
  if (BUY.test(t) || ref?.kind === 'var') return buy(k, false)!;
  if (isSearch(t, words)) return tool('search_products', { query: raw, limit: SEARCH_LIMIT });
  if (GREETING.test(t)) return say(help('hello'));
  if (THANKS.test(t)) return say(help('thanks'));
  return say(help());
}

/** Words that start a new search even while answering "which one?". */
const SEARCH_VERB_ONLY = /\b(show|find|search|look(?:ing)? for|do you (?:have|sell|carry)|instead)\b/;

function isSearch(t: string, words: string[]): boolean {
  if (SEARCH.test(t)) return true;
  if (GREETING.test(t) || THANKS.test(t) || CHAT.test(t)) return false;
  return words.length <= 6;
}

function help(kind?: 'hello' | 'thanks'): string {
  const opening =
    kind === 'thanks'
      ? "You're welcome! Anything else?"
      : kind === 'hello'
        ? "Hi! I'm the offline shopping assistant: no AI model is connected, so I understand simple requests."
        : "Sorry, I didn't get that. I'm the offline shopping assistant and understand simple requests.";
  return [
    opening,
    'I can:',
    '- find products: "show me running shoes under $150", "socks size M"',
    '- show details: "tell me more about 2"',
    '- buy: "buy the first one in size 10" (I show a quote and order only when you reply yes)',
    '- save an address: "ship to 123 Main St, New York, NY 10001, US"; list them: "my addresses"',
    '- show your orders: "my orders"',
    '- check your budget: "can I afford $50"',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Products, variants and quantities from the shopper's words

type Ref =
  | { kind: 'var'; id: string }
  | { kind: 'prod'; id: string }
  | { kind: 'ordinal'; n: number }
  | { kind: 'bare'; n: number }
  | { kind: 'last' }
  | { kind: 'it' };

const ORDINALS: Record<string, number> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
};
const NUMBERS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
};
const QUANTITY =
  /(?<!(?:number|no\.?|num|option|item|#)\s*)\b(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten)\s*(?:of\b|x\b|pairs?\b|units?\b|pieces?\b|pcs\b|items?\b|copies\b|packs?\b)|\b(?:qty|quantity)\s*:?\s*(\d{1,3})\b|\bx\s*(\d{1,3})\b/;
const SIZE = /\b(?:size|sz)\b\s*:?\s*([a-z0-9][a-z0-9./]*)/;
const MONEY = /[$€£]\s*\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s*(?:usd|eur|gbp|dollars?|bucks)\b/g;

function parseQuantity(t: string): number | null {
  const m = QUANTITY.exec(t);
  if (!m) return null;
  const v = m[1] ?? m[2] ?? m[3]!;
  return NUMBERS[v] ?? Number(v);
}

function parseRef(t: string, allowBare: boolean): Ref | null {
  const v = /\b(var_[0-9a-z]+)\b/.exec(t);
  if (v) return { kind: 'var', id: v[1]! };
  const p = /\b(prod_[0-9a-z]+)\b/.exec(t);
  if (p) return { kind: 'prod', id: p[1]! };
  const s = t.replace(QUANTITY, ' ').replace(SIZE, ' ').replace(MONEY, ' ');
  const numbered =
    /(?:\b(?:number|no\.?|num|option|item|result|product|choice)\s*#?\s*|#\s*)(\d{1,2})\b/.exec(s);
  if (numbered) return { kind: 'ordinal', n: Number(numbered[1]) };
  const word = /\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b/.exec(s);
  if (word) return { kind: 'ordinal', n: ORDINALS[word[1]!]! };
  const nth = /\b(\d{1,2})(?:st|nd|rd|th)\b/.exec(s);
  if (nth) return { kind: 'ordinal', n: Number(nth[1]) };
  if (/\blast (?:one|result|item|product)\b|\bthe last\b/.test(s)) return { kind: 'last' };
  if (/\b(it|this|that|this one|that one)\b/.test(s)) return { kind: 'it' };
  if (allowBare) {
    const bare = s.match(/\b\d{1,2}\b(?![.,]\d)/g);
    if (bare?.length === 1) return { kind: 'bare', n: Number(bare[0]) };
  }
  return null;
}

type Resolved = { id: string; card: ProductCard | null } | { error: string };

function resolveRef(ref: Ref, k: Knowledge): Resolved {
  const noList = 'I have no search results to pick from yet. Try "show me running shoes" first.';
  switch (ref.kind) {
    case 'prod':
      return { id: ref.id, card: k.products.get(ref.id)?.card ?? null };
    case 'var': {
      for (const { card } of k.products.values()) {
        if (card.variants.some((v) => v.id === ref.id)) return { id: card.id, card };
      }
      return {
        error: `I don't know which product ${ref.id} belongs to. Say "tell me more about" a prod_ id.`,
      };
    }
    case 'ordinal':
    case 'bare':
    case 'last': {
      if (!k.search) return { error: noList };
      if (!k.search.length) return { error: 'The last search found nothing to pick from. Try other words.' };
      const n = ref.kind === 'last' ? k.search.length : ref.n;
      const card = k.search[n - 1];
      if (!card) {
        return {
          error: `The last search showed ${k.search.length} product${k.search.length === 1 ? '' : 's'}: pick a number from 1 to ${k.search.length}.`,
        };
      }
      return { id: card.id, card };
    }
    case 'it':
      return k.focus
        ? { id: k.focus.id, card: k.focus }
        : {
            error: 'Which product do you mean? Say e.g. "the first one" or "number 2" from the last search.',
          };
  }
}

const ASKING = wordSet(
  'tell more about details detail on describe description info information what whats how much is are does look',
  'at show me',
);

/** A product of the last search named by the words of a question ("tell me more about the tent"). */
function namedProduct(t: string, k: Knowledge): ProductCard | null {
  const content = wordsOf(t).filter((w) => !FILLER.has(w) && !ASKING.has(w) && !/^\d+$/.test(w));
  return content.length && k.search ? byTitle(content, k.search) : null;
}

function details(ref: Ref | null, t: string, k: Knowledge): Action {
  if (!ref) {
    const named = namedProduct(t, k);
    if (named) return tool('get_product', { product_id: named.id });
    // Words about something not listed: look for it.
    if (wordsOf(t).some((w) => !FILLER.has(w) && !ASKING.has(w))) {
      return tool('search_products', { query: k.texts[0]!.trim(), limit: SEARCH_LIMIT });
    }
    return say(
      k.search?.length
        ? 'Which product? Say e.g. "tell me more about 2" or "details on the first one".'
        : 'Which product? Search first, e.g. "show me running shoes", then say "tell me more about 1".',
    );
  }
  const r = resolveRef(ref, k);
  return 'error' in r ? say(r.error) : tool('get_product', { product_id: r.id });
}

const normalize = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

type Match = (
  | { state: 'one'; variant: VariantCard }
  | { state: 'ask'; variants: VariantCard[] }
  | { state: 'sold_out'; variants: VariantCard[] }
  | { state: 'no_match'; what: string }
) & { /** The words named a size, an option or a variant title. */ specified: boolean };

/** The variant the words point at: by title, by the size after "size", by option values (colours…) mentioned. */
export function matchVariants(variants: VariantCard[], spec: string): Match {
  const text = ` ${normalize(spec)} `;
  const sizeWord = SIZE.exec(spec.toLowerCase())?.[1]?.replace(/[.,]$/, '');
  const size = sizeWord ? normalize(sizeWord) : null;
  const hasSize = variants.some((v) => Object.keys(v.options).some((n) => /size/i.test(n)));
  const scored = variants
    .map((v) => {
      let score = 0;
      let excluded = false;
      const title = normalize(v.title);
      if (title && text.includes(` ${title} `)) score += 10;
      for (const [name, value] of Object.entries(v.options)) {
        const nv = normalize(String(value));
        if (!nv) continue;
        if (/size/i.test(name) && size) {
          if (nv === size) score += 1;
          else excluded = true;
          continue;
        }
        const short = nv.length <= 2 || /^[\d ]+$/.test(nv);
        if (short ? text.includes(` in ${nv} `) : text.includes(` ${nv} `)) score += 1;
      }
      return { v, score, excluded };
    })
    .filter((s) => !s.excluded);
  const best = Math.max(0, ...scored.map((s) => s.score));
  const specified = best > 0 || Boolean(size && hasSize);
  if (size && hasSize && !scored.length) return { state: 'no_match', what: `size ${sizeWord}`, specified };
  const candidates = (best > 0 ? scored.filter((s) => s.score === best) : scored).map((s) => s.v);
  const inStock = candidates.filter((v) => v.in_stock);
  if (inStock.length === 1) return { state: 'one', variant: inStock[0]!, specified };
  if (inStock.length > 1) return { state: 'ask', variants: inStock, specified };
  return candidates.length
    ? { state: 'sold_out', variants: candidates, specified }
    : { state: 'no_match', what: 'that', specified };
}

/** Words that say nothing about which product: what is left are words to search for. */
const FILLER = wordSet(
  'buy purchase order i ll will take get me want to the a an one it this that please in size sz of x and some',
  'for like would d can you them these those grab checkout check out add cart basket my pair pairs unit units',
  'piece pieces qty quantity just now too also same color colour id ill im ive wanna lets does do come comes',
  'sizes colors colours options variants price cost available stock',
);

/** A purchase request: `followUp` = the message answers "which one?" (null when it says nothing about that). */
function buy(k: Knowledge, followUp: boolean): Action | null {
  const lowered = k.texts.map((x) => x.toLowerCase().replace(/[’‘]/g, "'").trim());
  // A bare "10" or "M" answering "which one?" is a size.
  if (followUp && /^(\d{1,2}(?:\.5)?|xxs|xs|s|m|l|xl|xxl|xxxl)$/.test(lowered[0]!)) {
    lowered[0] = `size ${lowered[0]}`;
  }
  const parsed = parseRef(lowered[0]!, !followUp);
  // In an answer, "that one in black" is the product asked about.
  const own = followUp && parsed?.kind === 'it' ? null : parsed;
  // A message naming its own product starts a new request; otherwise it adds to the one it answers.
  const all = own && own.kind !== 'var' ? [lowered[0]!] : lowered;
  const current = all[0]!;
  const refs = all.map((x, i) => (i === 0 ? own : parseRef(x, true)));
  const quantity = all.map(parseQuantity).find((q) => q !== null) ?? 1;
  const spec = all.join(' \n ');

  if (quantity < 1 || quantity > MAX_QUANTITY) {
    return say(`I can order 1 to ${MAX_QUANTITY} of an item at a time. How many would you like?`);
  }
  const variantRef = refs.find((r) => r?.kind === 'var');
  if (variantRef?.kind === 'var') return tool('buy_product', { variant_id: variantRef.id, quantity });

  let ref = refs.find((r) => r !== null) ?? null;
  if (!ref) {
    if (followUp) return null;
    const content = wordsOf(current.replace(SIZE, ' ').replace(QUANTITY, ' ')).filter(
      (w) => !FILLER.has(w) && !/^\d+$/.test(w),
    );
    // Words naming one of the listed products ("buy the tent") pick it; other words are a new search.
    const named = content.length && k.search ? byTitle(content, k.search) : null;
    if (named) {
      ref = { kind: 'prod', id: named.id };
    } else if (content.length) {
      return tool('search_products', { query: k.texts[0]!.trim(), limit: SEARCH_LIMIT });
    } else if (k.focus) {
      ref = { kind: 'it' };
    } else {
      return say(
        k.search?.length
          ? 'Which one? Say e.g. "buy the first one" or "buy number 2 in size 10".'
          : 'What would you like to buy? Search first, e.g. "show me running shoes under $150".',
      );
    }
  }
  const r = resolveRef(ref, k);
  if ('error' in r) return followUp ? null : say(r.error);
  const known = k.products.get(r.id);
  if (!known) return tool('get_product', { product_id: r.id });
  // An answer to "which one?" must name something: a size, an option, a variant, a quantity or a product.
  if (followUp && !own && parseQuantity(current) === null && !SIZE.test(current)) {
    if (!matchVariants(known.card.variants, current).specified) return null;
  }
  const match = matchVariants(known.card.variants, spec);
  const title = known.card.title;
  switch (match.state) {
    case 'one':
      return tool('buy_product', { variant_id: match.variant.id, quantity });
    case 'ask': {
      const shown = match.variants.slice(0, 10);
      const more = match.variants.length - shown.length;
      return settle(
        [
          `${title} [${r.id}] comes in several options in stock:`,
          ...shown.map((v) => `- ${variantLine(v)}`),
          ...(more > 0 ? [`…and ${more} more.`] : []),
          ...(known.full ? [] : [`(Say "tell me more about ${r.id}" to see every option.)`]),
          `Reply with the option, e.g. "${shown[0]!.title}", or its id, e.g. "buy ${shown[0]!.id}".`,
          ASK_VARIANT,
        ].join('\n'),
      );
    }
    case 'sold_out':
      if (!known.full) return tool('get_product', { product_id: r.id });
      return settle(
        `Sorry, ${title} is sold out${match.variants.length < known.card.variants.length ? ' in that option' : ''}. ` +
          inStockHint(known.card),
      );
    case 'no_match':
      if (!known.full) return tool('get_product', { product_id: r.id });
      return settle(`${title} doesn't come in ${match.what}. ${inStockHint(known.card)}`);
  }
}

const sameWord = (a: string, b: string) =>
  a === b || a === `${b}s` || b === `${a}s` || a === `${b}es` || b === `${a}es`;

/** The one listed product the words name: in its title or among its options ("the tent", "the green one"). */
function byTitle(words: string[], cards: ProductCard[]): ProductCard | null {
  const fitting = cards.flatMap((card) => {
    const title = wordsOf(card.title.toLowerCase());
    const options = new Set(
      card.variants.flatMap((v) => Object.values(v.options).flatMap((o) => wordsOf(String(o).toLowerCase()))),
    );
    const inTitle = words.filter((w) => title.some((t) => sameWord(w, t))).length;
    return words.every((w) => title.some((t) => sameWord(w, t)) || options.has(w)) ? [{ card, inTitle }] : [];
  });
  if (fitting.length === 1) return fitting[0]!.card;
  const best = Math.max(0, ...fitting.map((x) => x.inTitle));
  const top = fitting.filter((x) => x.inTitle === best);
  return best > 0 && top.length === 1 ? top[0]!.card : null;
}

function inStockHint(card: ProductCard): string {
  const available = card.variants.filter((v) => v.in_stock);
  if (!available.length) return 'No option of it is in stock right now.';
  const shown = available.slice(0, 8).map((v) => `${v.title} [${v.id}]`);
  return `In stock: ${shown.join(', ')}${available.length > shown.length ? ` and ${available.length - shown.length} more` : ''}.`;
}

function balance(t: string, k: Knowledge): Action {
  const m = /(?:[$€£]\s*)?(\d{1,3}(?:,\d{3})+|\d{1,10})(?:\.(\d{1,2}))?\b/.exec(t.replace(SIZE, ' '));
  let currency: string | undefined = /€/.test(t)
    ? 'EUR'
    : /£/.test(t)
      ? 'GBP'
      : /\b(usd|eur|gbp|cad|aud|chf|jpy|nzd|sek|nok|dkk)\b/.exec(t)?.[1];
  let amount = m ? `${m[1]!.replace(/,/g, '')}${m[2] ? `.${m[2]}` : ''}` : null;
  const ref = parseRef(t, false);
  if (!amount && ref) {
    const r = resolveRef(ref, k);
    if (!('error' in r) && r.card?.price) {
      amount = r.card.price;
      currency ??= r.card.currency ?? undefined;
    }
  }
  if (!amount) return say('How much would you like to check? Say e.g. "can I afford $50".');
  return tool('check_balance', currency ? { amount, currency: currency.toUpperCase() } : { amount });
}

// ---------------------------------------------------------------------------------------------------------------
// Addresses

const US_STATES = new Set(
  (
    'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK ' +
    'OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR'
  ).split(' '),
);
const COUNTRY_NAMES: Record<string, string> = {
  usa: 'US',
  'u.s.': 'US',
  'u.s.a.': 'US',
  'united states': 'US',
  'united states of america': 'US',
  america: 'US',
  uk: 'GB',
  'united kingdom': 'GB',
  'great britain': 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  canada: 'CA',
  germany: 'DE',
  france: 'FR',
  spain: 'ES',
  italy: 'IT',
  netherlands: 'NL',
  ireland: 'IE',
  australia: 'AU',
  'new zealand': 'NZ',
  mexico: 'MX',
  japan: 'JP',
};
const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const isCountryCode = (code: string) => {
  if (!/^[A-Z]{2}$/.test(code) || ['EU', 'EZ', 'UN', 'ZZ', 'QO'].includes(code)) return false;
  const name = regionNames.of(code);
  return name !== undefined && name !== code && name !== 'Unknown Region';
};
const US_ZIP = /^\d{5}(?:-\d{4})?$/;
const POSTAL = /^(?=.*\d)[A-Z0-9][A-Z0-9 -]{1,9}$/i;

function looksLikeAddress(text: string): boolean {
  return (
    /^\s*\d+[a-z]?\s+[a-z].*,.*,/i.test(text) && /\b[A-Z]{2}\s+\d{5}\b|,\s*[A-Z]{2}\s*\.?\s*$/.test(text)
  );
}

type NewAddress = {
  line1: string;
  line2?: string;
  city: string;
  state?: string;
  zip?: string;
  country: string;
};

/** "123 Main St, Apt 4, New York, NY 10001, US" and similar, or null when it cannot be read. */
export function parseAddress(text: string): NewAddress | null {
  const trigger = ADD_ADDRESS.exec(text);
  const rest = (trigger ? text.slice(trigger.index + trigger[0].length) : text).replace(
    /^[\s:,-]+|[\s.!]+$/g,
    '',
  );
  const parts = rest
    .split(/\s*[,;\n]\s*/)
    .map((p) => p.trim())
    .filter(Boolean);
  let country: string | undefined;
  let state: string | undefined;
  let zip: string | undefined;
  let city: string | undefined;

  const countryOf = (p: string) => {
    const named = COUNTRY_NAMES[p.toLowerCase()];
    if (named) return named;
    const code = p.toUpperCase();
    return /^[A-Za-z]{2}$/.test(p) && isCountryCode(code) ? code : undefined;
  };
  // The country comes last, unless that two letters are a US state ending "…, New York, NY".
  const last = parts.at(-1);
  if (last) {
    const c = countryOf(last);
    const stateLike = /^[A-Za-z]{2}$/.test(last) && US_STATES.has(last.toUpperCase());
    const zipBefore = parts.length > 1 && /\d/.test(parts.at(-2)!);
    if (c && (!stateLike || zipBefore)) {
      country = c;
      parts.pop();
    }
  }
  // Then "NY 10001", "10001", "NY", "SW1A 2AA", "New York NY 10001" or "10115 Berlin".
  const tail = parts.at(-1);
  if (tail !== undefined) {
    let m: RegExpExecArray | null;
    if ((m = /^([A-Za-z]{2})\.?\s+(\d{5}(?:-\d{4})?)$/.exec(tail))) {
      state = m[1]!.toUpperCase();
      zip = m[2];
      parts.pop();
    } else if (
      (m = /^(.*[A-Za-z].*?)\s+([A-Za-z]{2})\.?\s+(\d{5}(?:-\d{4})?)$/.exec(tail)) &&
      parts.length >= 2
    ) {
      city = m[1];
      state = m[2]!.toUpperCase();
      zip = m[3];
      parts.pop();
    } else if (US_ZIP.test(tail) || (country && country !== 'US' && POSTAL.test(tail) && parts.length >= 3)) {
      zip = tail.toUpperCase();
      parts.pop();
      const before = parts.at(-1);
      if (before && /^[A-Za-z]{2}$/.test(before) && parts.length >= 3) {
        state = before.toUpperCase();
        parts.pop();
      }
    } else if (/^[A-Za-z]{2}$/.test(tail) && US_STATES.has(tail.toUpperCase()) && parts.length >= 3) {
      state = tail.toUpperCase();
      parts.pop();
    } else if ((m = /^(\d{4,5})\s+(\D+)$/.exec(tail)) && parts.length >= 2) {
      zip = m[1];
      city = m[2];
      parts.pop();
    }
  }
  if (!city) city = parts.length >= 2 ? parts.pop() : undefined;
  const line1 = parts.shift();
  if (!line1 || !city || !/[A-Za-z]/.test(line1) || !/[A-Za-z]/.test(city)) return null;
  if (!country && ((state && US_STATES.has(state)) || (zip && US_ZIP.test(zip)))) country = 'US';
  if (!country) return null;
  const address: NewAddress = { line1, city, country };
  if (parts.length) address.line2 = parts.join(', ');
  if (state) address.state = state;
  if (zip) address.zip = zip;
  return address;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing the reply from tool results

function compose(latest: Outcome[], turn: Outcome[]): string {
  const saved = turn.filter((o) => o.ok && o.call.name === 'add_address' && !latest.includes(o));
  return [...saved, ...latest].map(describe).join('\n\n');
}

function describe(o: Outcome): string {
  if (!o.ok) return describeError(o);
  try {
    const d = o.data;
    if (!isObject(d)) throw new Error('not an object');
    switch (o.call.name) {
      case 'search_products':
        return describeSearch(d);
      case 'get_product':
        return describeProduct(asCard(d.product)!);
      case 'add_address':
        return `Saved your address: ${addressLine(d.address)}${(d.address as AddressView).is_default ? ' (your default)' : ''}.`;
      case 'get_addresses':
        return describeAddresses(d.addresses);
      case 'check_balance':
        return describeBalance(d);
      case 'buy_product':
        return describeBuy(d);
      case 'order_history':
        return describeOrders(d.orders);
      case 'register_user': {
        const user = d.user as { id: string; display_name?: string; external_user_id?: string };
        return `${d.created ? 'Registered' : 'Already registered'}: ${user.display_name || user.external_user_id} (${user.id}).`;
      }
    }
  } catch {
    // Not the shape expected: fall through to the raw text.
  }
  const text = o.text.length > 600 ? `${o.text.slice(0, 600)}…` : o.text;
  return `Here is what ${o.call.name} returned: ${text}`;
}

function describeError(o: Outcome): string {
  if (o.code === 'address_required') {
    return (
      "You don't have a shipping address saved yet, so I can't quote that. Tell me where to ship, e.g. " +
      '"ship to 123 Main St, New York, NY 10001, US", and I\'ll quote it again.'
    );
  }
  return `Sorry, that didn't work: ${o.text.trim() || 'the tool failed without saying why.'}`;
}

const priceOf = (price: string | null | undefined, currency: string | null | undefined) =>
  price ? `${price}${currency ? ` ${currency}` : ''}` : 'price not listed';

function variantLine(v: VariantCard): string {
  const sale = v.compare_at_price ? ` (was ${v.compare_at_price})` : '';
  const stock = v.in_stock ? `${v.available_qty} in stock` : 'sold out';
  return `${v.title}: ${priceOf(v.price, v.currency)}${sale}, ${stock} [${v.id}]`;
}

function describeSearch(d: Record<string, unknown>): string {
  const products = (Array.isArray(d.products) ? d.products : []).map(asCard).filter((p) => p !== null);
  const understood = isObject(d.understood) ? d.understood : {};
  const filters = Object.entries(isObject(understood.filters) ? understood.filters : {}).map(
    ([key, value]) => `${key.replace(/_/g, ' ')} ${String(value)}`,
  );
  const what = typeof understood.text === 'string' && understood.text ? `"${understood.text}"` : 'that';
  const withFilters = filters.length ? ` (${filters.join(', ')})` : '';
  if (!products.length) {
    return (
      `I couldn't find anything for ${what}${withFilters}. Try other words, or fewer filters ` +
      '(another size, colour or price), e.g. "show me running shoes".'
    );
  }
  const total = typeof d.total === 'number' ? d.total : products.length;
  const lines = products.flatMap((p, i) => {
    const available = p.variants.filter((v) => v.in_stock);
    const hint = !available.length
      ? 'sold out'
      : available.length === 1
        ? `option: ${available[0]!.title}`
        : `${available.length} options in stock, e.g. ${available
            .slice(0, 3)
            .map((v) => v.title)
            .join('; ')}`;
    return [`${i + 1}. ${p.title} — ${priceOf(p.price, p.currency)} (${p.merchant})`, `   ${hint}`];
  });
  return [
    `Here's what I found for ${what}${withFilters}, ${products.length} of ${total}:`,
    ...lines,
    'Say "tell me more about 2" for details, or "buy the first one" for a quote.',
  ].join('\n');
}

function describeProduct(p: ProductCard): string {
  const shown = p.variants.slice(0, 25);
  const example = p.variants.find((v) => v.in_stock) ?? p.variants[0];
  return [
    `${p.title}${p.vendor ? ` by ${p.vendor}` : ''}, sold by ${p.merchant} [${p.id}]`,
    p.description,
    'Options:',
    ...shown.map((v) => `- ${variantLine(v)}`),
    ...(p.variants.length > shown.length ? [`…and ${p.variants.length - shown.length} more.`] : []),
    ...(p.product_url ? [p.product_url] : []),
    example ? `To buy, say e.g. "buy ${example.id}".` : 'It has no options to buy right now.',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function addressLine(a: unknown): string {
  const v = a as Partial<AddressView>;
  const place = [v.city, [v.state, v.zip].filter(Boolean).join(' '), v.country].filter(Boolean).join(', ');
  return `${[v.label && `${v.label}:`, v.recipient_name, v.line1, v.line2].filter(Boolean).join(' ')}, ${place}${v.id ? ` [${v.id}]` : ''}`;
}

function describeAddresses(list: unknown): string {
  const addresses = Array.isArray(list) ? (list as AddressView[]) : [];
  if (!addresses.length) {
    return 'You have no saved addresses yet. Tell me one, e.g. "ship to 123 Main St, New York, NY 10001, US".';
  }
  return [
    'Your saved addresses:',
    ...addresses.map((a) => `- ${addressLine(a)}${a.is_default ? ' (default)' : ''}`),
  ].join('\n');
}

function describeBalance(d: Record<string, unknown>): string {
  const money = `${String(d.amount)} ${String(d.currency)}`;
  return d.approved
    ? `Good news: you can pay ${money}.`
    : `Your account can't cover ${money} right now${d.reason ? `: ${String(d.reason)}` : ''}.`;
}

const itemLine = (i: OrderItemView, currency: string) =>
  `- ${i.quantity} x ${i.product} (${i.variant}) at ${i.price} = ${i.line_total} ${currency}, from ${i.merchant}`;

function when(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso;
}

function describeQuote(q: Quote): string[] {
  return [
    ...q.items.map((i) => itemLine(i, q.currency)),
    `Shipping: ${q.shipping} ${q.currency}`,
    `Total: ${q.total} ${q.currency}`,
    `Ship to: ${addressLine(q.shipping_address)}`,
    `Valid until: ${when(q.expires_at)}`,
    'Reply yes to place this order.',
  ];
}

function describeBuy(d: Record<string, unknown>): string {
  const status = String(d.status);
  const message = typeof d.message === 'string' ? d.message : '';
  const quote = isObject(d.quote) ? (d.quote as Quote) : null;
  const order = isObject(d.order) ? (d.order as OrderView) : null;
  switch (status) {
    case 'quote':
      if (quote) return ["Here's your quote (nothing is ordered yet):", ...describeQuote(quote)].join('\n');
      break;
    case 'price_changed':
    case 'out_of_stock':
    case 'quote_expired': {
      const why =
        status === 'price_changed'
          ? 'The price changed since the quote, so nothing was ordered.'
          : status === 'out_of_stock'
            ? 'Some of it is no longer in stock, so nothing was ordered.'
            : 'That quote expired, so nothing was ordered.';
      if (!quote) return `${why} ${message}`.trim();
      return [`${why} Here's the new quote:`, ...describeQuote(quote)].join('\n');
    }
    case 'placed':
      if (order) {
        return [
          `Order ${order.id} placed and paid: total ${order.amount} ${order.currency}.`,
          ...order.items.map((i) => itemLine(i, order.currency)),
          `Shipping to: ${addressLine(order.shipping_address)}`,
        ].join('\n');
      }
      break;
    case 'processing':
      if (order) {
        return (
          `Order ${order.id} (${order.amount} ${order.currency}) is placed and its payment is being confirmed ` +
          `(${order.status}). Say "my orders" in a moment to see how it went; no need to order again.`
        );
      }
      break;
    case 'declined':
      return `Sorry, the order was declined${order ? ` (${order.id}, ${order.amount} ${order.currency})` : ''}: ${order?.status_reason ?? message}. Nothing was charged.`;
    case 'not_confirmed':
      return 'OK, nothing was ordered. What would you like instead?';
    case 'payment_failed':
      return `Sorry, the payment failed${order ? ` for ${order.id}` : ''}: ${order?.status_reason ?? message}.`;
  }
  return message || `The purchase ended with status ${status}.`;
}

function describeOrders(list: unknown): string {
  const orders = Array.isArray(list) ? (list as OrderView[]) : [];
  if (!orders.length) return 'You have no orders yet. Search for something, e.g. "show me running shoes".';
  return [
    'Your recent orders:',
    ...orders.map((o) => {
      const items = o.items.map((i) => `${i.quantity} x ${i.product} (${i.variant})`).join(', ');
      const track = o.tracking
        ? `; tracking: ${[o.tracking.carrier, o.tracking.number, o.tracking.url].filter(Boolean).join(' ')}`
        : '';
      const reason = o.status_reason ? ` (${o.status_reason})` : '';
      return `- ${o.id}: ${o.status}${reason}, ${o.amount} ${o.currency}, ${items}, ordered ${when(o.created_at)}${track}`;
    }),
  ].join('\n');
}
