// The chat socket: gets a session token (data-token once, else a fresh one from the integrator's data-session-url),
// opens /ws/agent/?token=…&stream=1, reconnects with backoff when the network drops, fetches a new token when the
// old one is rejected (4001: unknown or expired), and queues messages typed while offline. Only ever a session
// token: the integrator's secret key stays on their server.
import type { ServerEvent, Settings } from './types.js';

export type Status =
  | { state: 'connecting' }
  | { state: 'online' }
  /** Retrying on its own; `detail` says why, politely. */
  | { state: 'offline'; detail: string }
  /** Needs the shopper (or the page) to act: no more automatic retries. */
  | { state: 'failed'; detail: string };

type Queued = { text: string; onSent: () => void };

const CLOSE_AUTH = 4001;
const CLOSE_USER = 4004;
const CLOSE_RATE = 4029;
const MAX_DELAY_MS = 30_000;

class TokenError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

export class Connection {
  private ws: WebSocket | null = null;
  private token: string | null;
  private queue: Queued[] = [];
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private opening = false;
  private fatal = false;
  /** The socket proved its token good (an event came, or it stayed open a while). */
  private authed = false;
  /** Sent before the token proved good: sent again if it turns out rejected (the server then ran none of them). */
  private unconfirmed: Queued[] = [];

  /** Messages written to the current socket and not answered yet. */
  private outstanding = 0;

  /** `onLost(n)`: n messages went out on a socket that closed before their replies came: none will come. */
  constructor(
    private readonly settings: Settings,
    private readonly onEvent: (e: ServerEvent) => void,
    private readonly onStatus: (s: Status) => void,
    private readonly onLost: (n: number) => void,
  ) {
    this.token = settings.token ?? null;
    window.addEventListener('online', () =>
      this.online ? this.onStatus({ state: 'online' }) : this.retryNow(),
    );
    window.addEventListener('offline', () =>
      this.onStatus({
        state: 'offline',
        detail: 'You are offline. Messages will be sent when you reconnect.',
      }),
    );
  }

  get online(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Connects unless connected, connecting or waiting to retry. */
  start(): void {
    if (this.ws || this.opening || this.timer || this.fatal) return;
    void this.open();
  }

  /** Tries again at once (the shopper asked, or the network came back). */
  retryNow(): void {
    if (this.ws || this.opening) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.fatal = false;
    void this.open();
  }

  /** Sends now when connected (true), else queues the text for the next connection (false). */
  send(text: string, onSent: () => void = () => {}): boolean {
    if (this.ws && this.online) {
      this.write(this.ws, { text, onSent });
      return true;
    }
    this.queue.push({ text, onSent });
    this.start();
    return false;
  }

  private write(ws: WebSocket, q: Queued): void {
    ws.send(JSON.stringify({ message: q.text }));
    this.outstanding += 1;
    if (!this.authed) this.unconfirmed.push(q);
    q.onSent();
  }

  private async open(): Promise<void> {
    this.opening = true;
    this.onStatus({ state: 'connecting' });
    let token: string;
    try {
      token = this.token ?? (await this.fetchToken());
    } catch (err) {
      this.opening = false;
      const e = err instanceof TokenError ? err : new TokenError('The assistant could not be reached.', true);
      if (e.retry) this.later(e.message);
      else this.fail(e.message);
      return;
    }
    this.token = token;
    const base = this.settings.server.replace(/^http/, 'ws').replace(/\/+$/, '');
    let ws: WebSocket;
    try {
      ws = new WebSocket(`${base}/ws/agent/?token=${encodeURIComponent(token)}&stream=1`);
    } catch {
      this.opening = false;
      return this.fail('The chat is not set up correctly on this page (bad server address).');
    }
    this.ws = ws;
    this.opening = false;
    this.authed = false;
    this.unconfirmed = [];
    this.outstanding = 0;
    const settle = () => {
      clearTimeout(stable);
      if (this.ws !== ws || this.authed) return;
      this.authed = true;
      this.unconfirmed = [];
      this.failures = 0;
    };
    // The server closes with 4001 right after opening when the token is bad; open this long, it was good.
    const stable = setTimeout(settle, 1500);
    ws.onopen = () => {
      this.onStatus({ state: 'online' });
      for (const q of this.queue.splice(0)) this.write(ws, q);
    };
    ws.onmessage = (m) => {
      settle();
      let e: ServerEvent;
      try {
        e = JSON.parse(String(m.data)) as ServerEvent;
      } catch {
        return; // Not JSON: not ours to show.
      }
      // Each message gets one agent_response, or an error event instead (a model error comes with its response).
      const answered =
        e.type === 'agent_response' ||
        (e.type === 'error' && !e.code.startsWith('model_') && e.code !== 'rate_limited');
      if (answered) this.outstanding = Math.max(0, this.outstanding - 1);
      this.onEvent(e);
    };
    ws.onclose = (e) => {
      clearTimeout(stable);
      if (this.ws !== ws) return;
      this.ws = null;
      const authed = this.authed;
      // Before the token proved good, the server may have run none of them: send them again on the next socket.
      const again = this.unconfirmed.splice(0);
      this.queue.unshift(...again);
      const lost = this.outstanding - again.length;
      this.outstanding = 0;
      if (lost > 0) this.onLost(lost);
      if (e.code === CLOSE_AUTH) {
        // The token is unknown or expired: the next attempt gets a new one, if the page gave us a way to.
        this.token = null;
        if (!this.settings.sessionUrl) {
          return this.fail('This chat session has expired. Reload the page to start a new one.');
        }
        return this.later('Reconnecting…', authed ? 0 : undefined);
      }
      if (e.code === CLOSE_USER) return this.fail('Chat is not available for this account.');
      if (e.code === CLOSE_RATE) {
        return this.later(
          'You are sending messages quickly; the assistant will be back in a moment.',
          15_000,
        );
      }
      this.later(
        navigator.onLine === false
          ? 'You are offline. Messages will be sent when you reconnect.'
          : 'Connection lost. Reconnecting…',
        authed ? 0 : undefined,
      );
    };
  }

  private async fetchToken(): Promise<string> {
    const url = this.settings.sessionUrl;
    if (!url) throw new TokenError('The chat is not set up on this page (no session).', false);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: '{}',
        credentials: 'same-origin',
      });
    } catch {
      throw new TokenError('The assistant could not be reached. Retrying…', true);
    }
    if (res.status === 401 || res.status === 403) {
      throw new TokenError('Please sign in to chat with the assistant.', false);
    }
    if (!res.ok) {
      const retry = res.status >= 500 || res.status === 408 || res.status === 429;
      throw new TokenError(
        `The assistant is unavailable right now. ${retry ? 'Retrying…' : 'Please try again later.'}`,
        retry,
      );
    }
    const body = (await res.json().catch(() => null)) as { token?: unknown } | null;
    if (!body || typeof body.token !== 'string' || !body.token) {
      throw new TokenError('The assistant is unavailable right now (no session token).', false);
    }
    return body.token;
  }

  /** Retries after `delayMs`, or after a growing, jittered delay when not given. */
  private later(detail: string, delayMs?: number): void {
    const wait = delayMs ?? Math.min(MAX_DELAY_MS, 500 * 2 ** this.failures) * (0.5 + Math.random() / 2);
    this.failures += 1;
    this.onStatus({ state: 'offline', detail });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.open();
    }, wait);
  }

  private fail(detail: string): void {
    this.fatal = true;
    this.onStatus({ state: 'failed', detail });
  }
}
