// Aisle's chat widget, served as /widget.js (bundled by src/transport/widget/assets.ts). Embed it with
//   <script src="https://HOST/widget.js" data-session-url="/your-token-endpoint" async></script>
// data-session-url: the integrator's own endpoint that answers POST with {token} (from POST /api/v1/sessions/);
// or data-token: one session token. Optional: data-server (default: where the script came from), data-title,
// data-greeting, data-open. The page never holds a secret key: the widget only ever uses session tokens.
import type { Settings } from './types.js';
import { Widget } from './ui.js';

type Api = { open(): void; close(): void; send(text: string): void };
declare global {
  interface Window {
    AisleWidget?: Api;
  }
}

function settingsFrom(script: HTMLScriptElement | null): Settings {
  const d = script?.dataset ?? {};
  const here = location.href;
  const origin = script?.src ? new URL(script.src, here).origin : location.origin;
  if (d.secretKey || d.clientId) {
    console.error('Aisle widget: never put API credentials in a page; give it data-session-url instead.');
  }
  return {
    server: d.server ? new URL(d.server, here).href : origin,
    token: d.token || undefined,
    sessionUrl: d.sessionUrl ? new URL(d.sessionUrl, here).href : undefined,
    title: d.title || 'Shopping assistant',
    greeting: d.greeting ?? 'Hi! I can find products and buy them for you. Try "show me socks under $20".',
    open: d.open !== undefined && d.open !== 'false',
  };
}

function start(settings: Settings) {
  if (!settings.token && !settings.sessionUrl) {
    console.warn('Aisle widget: set data-session-url (or data-token) on its script tag.');
  }
  const widget = new Widget(settings);
  window.AisleWidget = {
    open: () => widget.open(),
    close: () => widget.close(),
    send: (text) => {
      widget.open(false);
      widget.send(text);
    },
  };
}

if (!window.AisleWidget) {
  // Read while this script runs: document.currentScript is gone by the time of any callback.
  const script =
    (document.currentScript as HTMLScriptElement | null) ??
    document.querySelector<HTMLScriptElement>('script[src*="widget.js"]');
  const settings = settingsFrom(script);
  if (document.body) start(settings);
  else document.addEventListener('DOMContentLoaded', () => start(settings), { once: true });
}
