// A real WebSocket client (the `ws` package) for the chat socket: collects every event and waits for the ones a
// test cares about.
import WebSocket from 'ws';

export type ChatEvent = { type: string; [key: string]: unknown };

export type ChatClient = {
  ws: WebSocket;
  events: ChatEvent[];
  send(message: unknown): void;
  /** The next event of this type not yet taken (events already received count). */
  next(type: string, timeoutMs?: number): Promise<ChatEvent>;
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
};

export function openChat(url: string, options: WebSocket.ClientOptions = {}): Promise<ChatClient> {
  const ws = new WebSocket(url, options);
  const events: ChatEvent[] = [];
  const taken = new Set<ChatEvent>();
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    events.push(JSON.parse(data.toString()) as ChatEvent);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of waiters.splice(0)) w();
    }),
  );
  const client: ChatClient = {
    ws,
    events,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next(type, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no "${type}" event within ${timeoutMs} ms; got ${JSON.stringify(events)}`)),
          timeoutMs,
        );
        const look = () => {
          const found = events.find((e) => e.type === type && !taken.has(e));
          if (found) {
            taken.add(found);
            clearTimeout(timer);
            resolve(found);
          } else if (ws.readyState === WebSocket.CLOSED) {
            clearTimeout(timer);
            reject(new Error(`socket closed before a "${type}" event; got ${JSON.stringify(events)}`));
          } else waiters.push(look);
        };
        look();
      });
    },
    closed,
    async close() {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      await closed;
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    // A socket the server closes at once (bad credentials) still opens first; callers read `closed`.
    ws.once('error', reject);
  });
}
