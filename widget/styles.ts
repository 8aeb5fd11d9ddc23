// The widget's styles, inside its Shadow DOM: the page's CSS cannot reach in, ours cannot leak out. Themable from the
// page with CSS variables set on :root or on the aisle-widget element (they inherit into the shadow tree).
export const CSS = `
:host {
  all: initial;
  --a: var(--aisle-accent, #4338ca);
  --af: var(--aisle-accent-fg, #fff);
  --bg: var(--aisle-bg, #fff);
  --fg: var(--aisle-fg, #111827);
  --r: var(--aisle-radius, 14px);
  --font: var(--aisle-font, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif);
  --muted: color-mix(in srgb, var(--fg) 62%, var(--bg));
  --line: color-mix(in srgb, var(--fg) 14%, var(--bg));
  --soft: color-mix(in srgb, var(--fg) 5%, var(--bg));
  --tint: color-mix(in srgb, var(--a) 10%, var(--bg));
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.launcher, .panel { font: 14px/1.45 var(--font); color: var(--fg); position: fixed; z-index: 2147483000; }
.launcher {
  right: 20px; bottom: 20px; width: 56px; height: 56px; border: 0; border-radius: 50%;
  background: var(--a); color: var(--af); cursor: pointer; display: grid; place-items: center;
  box-shadow: 0 6px 20px rgb(0 0 0 / .22); transition: transform .15s;
}
.launcher:hover { transform: scale(1.05); }
.launcher svg { width: 26px; height: 26px; fill: currentColor; }
.launcher[aria-expanded="true"] svg { fill: none; stroke: currentColor; stroke-width: 2.4; stroke-linecap: round; }
:focus-visible { outline: 3px solid color-mix(in srgb, var(--a) 55%, transparent); outline-offset: 2px; }
.panel {
  right: 20px; bottom: 88px; width: 390px; height: min(640px, calc(100vh - 112px)); max-height: 100%;
  background: var(--bg); border: 1px solid var(--line); border-radius: var(--r);
  box-shadow: 0 18px 50px rgb(0 0 0 / .2); display: flex; flex-direction: column; overflow: hidden;
}
header { display: flex; align-items: center; gap: 10px; padding: 12px 12px 12px 16px; background: var(--a); color: var(--af); }
header .t { flex: 1; min-width: 0; }
h2 { margin: 0; font-size: 15px; font-weight: 650; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.sub { margin: 0; font-size: 12px; opacity: .85; }
.icon { width: 34px; height: 34px; border: 0; border-radius: 50%; background: transparent; color: inherit; cursor: pointer; display: grid; place-items: center; }
.icon:hover { background: rgb(255 255 255 / .15); }
.icon svg { width: 18px; height: 18px; fill: none; stroke: currentColor; stroke-width: 2.4; stroke-linecap: round; }
.banner { margin: 0; padding: 8px 14px; font-size: 13px; background: #fff7e6; color: #7a4b00; border-bottom: 1px solid #f5dfb0; display: flex; gap: 8px; align-items: center; }
.banner button { margin-left: auto; }
.log { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 10px; overscroll-behavior: contain; }
.log > * { flex-shrink: 0; }
.msg { max-width: 86%; padding: 9px 12px; border-radius: var(--r); white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
.bot { align-self: flex-start; background: var(--soft); border-bottom-left-radius: 4px; }
.me { align-self: flex-end; background: var(--a); color: var(--af); border-bottom-right-radius: 4px; }
.me.queued { opacity: .6; }
.note { align-self: center; font-size: 12px; color: var(--muted); text-align: center; margin: 0; }
.note.err { color: #b42318; }
.typing { display: flex; align-items: center; gap: 8px; color: var(--muted); font-size: 12px; }
.dots { display: inline-flex; gap: 3px; padding: 10px 12px; background: var(--soft); border-radius: var(--r); }
.dots i { width: 6px; height: 6px; border-radius: 50%; background: var(--muted); animation: b 1s infinite ease-in-out; }
.dots i:nth-child(2) { animation-delay: .15s; } .dots i:nth-child(3) { animation-delay: .3s; }
@keyframes b { 0%, 80%, 100% { opacity: .3; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .dots i { animation: none; } .launcher { transition: none; } }
.products { list-style: none; margin: 0 -14px; padding: 2px 14px 6px; display: flex; gap: 10px; overflow-x: auto; scroll-snap-type: x proximity; scroll-padding: 0 14px; }
.card { border: 1px solid var(--line); border-radius: var(--r); background: var(--bg); margin: 0; }
.product { flex: 0 0 184px; scroll-snap-align: start; display: flex; flex-direction: column; overflow: hidden; }
.img { width: 100%; aspect-ratio: 4 / 3; object-fit: cover; display: block; background: var(--soft); }
.ph { display: grid; place-items: center; font-size: 26px; font-weight: 700; color: var(--a); background: var(--tint); }
.body { padding: 10px; display: flex; flex-direction: column; gap: 6px; flex: 1; }
.body p { margin: 0; }
.title { font-weight: 600; line-height: 1.3; }
.muted { color: var(--muted); font-size: 12px; margin: 0; }
.row { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; }
.price { font-weight: 700; }
.stock { font-size: 12px; color: #067647; }
.stock.out { color: #b42318; }
.variant { font-size: 12px; color: var(--muted); }
select, textarea, .btn { font: inherit; color: var(--fg); }
select { width: 100%; padding: 6px 8px; border: 1px solid var(--line); border-radius: 8px; background: var(--bg); font-size: 13px; }
.body .btn { margin-top: auto; }
.btn { padding: 8px 14px; border: 1px solid var(--line); border-radius: 999px; background: var(--bg); cursor: pointer; font-weight: 600; font-size: 13px; }
.btn:hover:not(:disabled) { background: var(--soft); }
.btn.primary { background: var(--a); border-color: var(--a); color: var(--af); }
.btn.primary:hover:not(:disabled) { filter: brightness(1.08); background: var(--a); }
.btn:disabled { opacity: .5; cursor: default; }
.quote, .order { align-self: stretch; padding: 12px; background: var(--tint); border-color: color-mix(in srgb, var(--a) 30%, var(--bg)); }
.quote .lines p { margin: 0 0 2px; overflow-wrap: anywhere; }
.quote .total { font-weight: 700; }
.kicker { margin: 0 0 6px; font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; color: var(--a); }
.actions { display: flex; gap: 8px; margin-top: 10px; }
.order.ok { background: #ecfdf3; border-color: #abefc6; }
.order.bad { background: #fef3f2; border-color: #fecdca; }
.order .head { display: flex; align-items: center; gap: 8px; margin: 0 0 4px; }
.order .head .title { flex: 1; }
.order svg { width: 20px; height: 20px; fill: none; stroke: #067647; stroke-width: 3; stroke-linecap: round; stroke-linejoin: round; }
.badge { font-size: 11px; font-weight: 700; padding: 2px 8px; border-radius: 999px; background: #fef0c7; color: #93370d; }
.badge.ok { background: #d1fadf; color: #05603a; }
.badge.bad { background: #fee4e2; color: #912018; }
.items { list-style: none; margin: 8px 0; padding: 0; }
.items li { display: flex; justify-content: space-between; gap: 8px; padding: 3px 0; border-bottom: 1px dashed var(--line); }
.order .total { font-weight: 700; margin: 0; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
form { display: flex; gap: 8px; align-items: flex-end; padding: 10px 12px; border-top: 1px solid var(--line); }
textarea { flex: 1; resize: none; min-height: 40px; max-height: 120px; padding: 9px 12px; border: 1px solid var(--line); border-radius: 20px; background: var(--bg); line-height: 1.4; }
textarea:focus { outline: none; border-color: var(--a); box-shadow: 0 0 0 3px color-mix(in srgb, var(--a) 22%, transparent); }
.send { width: 40px; height: 40px; border: 0; border-radius: 50%; background: var(--a); color: var(--af); cursor: pointer; display: grid; place-items: center; flex: none; }
.send svg { width: 18px; height: 18px; fill: currentColor; }
.sr { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@media (max-width: 480px) {
  .panel { inset: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; border: 0; }
  .launcher { right: 14px; bottom: 14px; }
  textarea { font-size: 16px; }
  .launcher[aria-expanded="true"] { display: none; }
}
`;
