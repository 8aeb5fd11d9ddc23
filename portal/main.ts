// The Aisle Portal, served at /portal (bundled by src/portal/assets.ts). A company gets its Client ID, Secret Key and
// Webhook Secret, tests its webhook endpoint, and browses its users, orders and webhook deliveries; a merchant
// connects its Shopify or WooCommerce store, syncs it, sees its products and ships its orders. Everything goes
// through /portal/api/* with the session cookie; the secret key reaches this page only once, right after it is made.
import { get, post, setCsrf, whenSignedOut } from './api.js';
import { signInView, signUpView } from './auth.js';
import { companyViews, welcomeView } from './company.js';
import { h, icon, ICONS, replace } from './dom.js';
import { merchantViews } from './merchant.js';
import type { Account, Me, SignUpAnswer } from './types.js';
import { button, errorBox, loading, toast } from './ui.js';

/** What a page gets: its account, a way to navigate, and cleanups run when it is left (timers, polls). */
export type Ctx = {
  account: Account;
  params: string[];
  /** The part of the hash after "?": #/users?page=2. */
  query: URLSearchParams;
  go(hash: string): void;
  onLeave(fn: () => void): void;
  /** False once the person has moved to another page: late answers must not draw. */
  live(): boolean;
};

export type View = {
  path: string;
  title: string;
  nav?: string;
  icon?: keyof typeof ICONS;
  render(main: HTMLElement, ctx: Ctx): void | Promise<void>;
};

const root = document.getElementById('app')!;
let account: Account | null = null;
const leaving: (() => void)[] = [];
let generation = 0;
/** Credentials shown once after sign-up; dropped as soon as the person leaves the welcome page. */
let freshCredentials: SignUpAnswer['credentials'] | undefined;

/** Goes to `hash`; when it is the current one already, draws it again. */
function navigate(hash: string) {
  if (location.hash === hash) void route();
  else location.hash = hash;
}

const viewsFor = (a: Account): View[] => (a.kind === 'company' ? companyViews : merchantViews);

function match(views: View[], hash: string): { view: View; params: string[] } | null {
  const path = hash.replace(/^#\/?/, '').split('?')[0]!;
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  for (const view of views) {
    const pattern = view.path.split('/');
    if (pattern.length !== parts.length) continue;
    const params: string[] = [];
    if (pattern.every((p, i) => (p.startsWith(':') ? (params.push(parts[i]!), true) : p === parts[i]))) {
      return { view, params };
    }
  }
  return null;
}

function shell(a: Account, views: View[], current: View): { main: HTMLElement } {
  const owner = a.company?.name ?? a.merchant?.name ?? '';
  const main = h('main', { id: 'main', tabindex: '-1' });
  const skip = h('a', {
    class: 'skip',
    href: '#main',
    onclick: (e: Event) => {
      e.preventDefault();
      (main.querySelector('h1') ?? main).focus();
    },
    text: 'Skip to content',
  });
  const signOut = button('Sign out', {
    kind: 'ghost',
    icon: 'out',
    label: 'Sign out',
    onclick: async () => {
      await post('/signout').catch(() => undefined);
      setCsrf(null);
      account = null;
      navigate('#/signin');
      toast('Signed out');
    },
  });
  const nav = h(
    'nav',
    { class: 'nav', 'aria-label': a.kind === 'company' ? 'Company' : 'Merchant' },
    h(
      'ul',
      null,
      views
        .filter((v) => v.icon)
        .map((v) => {
          const here = v.nav === current.nav;
          return h(
            'li',
            null,
            h(
              'a',
              {
                href: `#/${v.path}`,
                class: here ? 'current' : undefined,
                'aria-current': here ? 'page' : undefined,
              },
              v.icon ? icon(ICONS[v.icon]) : null,
              v.nav!,
            ),
          );
        }),
    ),
  );
  replace(
    root,
    skip,
    h(
      'header',
      { class: 'topbar' },
      h(
        'div',
        { class: 'topbar-inner' },
        h(
          'a',
          { class: 'brand', href: `#/${views[0]!.path}` },
          h('span', { class: 'logo', 'aria-hidden': 'true' }, 'A'),
          'Aisle',
          h('span', { class: 'brand-sub' }, 'Portal'),
        ),
        h(
          'div',
          { class: 'who' },
          h('span', { class: 'kind' }, a.kind === 'company' ? 'Company' : 'Merchant'),
          h('span', { class: 'owner' }, owner),
          h('span', { class: 'email' }, a.email),
        ),
        signOut,
      ),
      h('div', { class: 'nav-wrap' }, nav),
    ),
    main,
  );
  return { main };
}

async function route() {
  for (const fn of leaving.splice(0)) fn();
  const mine = ++generation;
  const hash = location.hash || '#/';
  if (!account) {
    const main = h('main', { id: 'main', class: 'bare', tabindex: '-1' });
    replace(root, main);
    const handlers = {
      signedIn(me: Me) {
        account = me.account;
        navigate(`#/${viewsFor(account!)[0]!.path}`);
      },
      signedUp(answer: SignUpAnswer) {
        account = answer.account;
        freshCredentials = answer.credentials;
        navigate(answer.account.kind === 'company' ? '#/welcome' : '#/store');
      },
    };
    document.title = hash.startsWith('#/signup') ? 'Create account · Aisle Portal' : 'Sign in · Aisle Portal';
    if (hash.startsWith('#/signup')) signUpView(main, handlers);
    else signInView(main, handlers);
    return;
  }
  const views = viewsFor(account);
  if (account.kind === 'company' && hash === '#/welcome' && freshCredentials) {
    const credentials = freshCredentials;
    const { main } = shell(account, views, views[0]!);
    document.title = 'Your keys · Aisle Portal';
    welcomeView(main, credentials, () => {
      freshCredentials = undefined;
      location.hash = '#/keys';
    });
    leaving.push(() => (freshCredentials = undefined));
    focusHeading(main);
    return;
  }
  const found = match(views, hash);
  if (!found) {
    location.replace(`#/${views[0]!.path}`);
    return;
  }
  const { main } = shell(account, views, found.view);
  document.title = `${found.view.title} · Aisle Portal`;
  const ctx: Ctx = {
    account,
    params: found.params,
    query: new URLSearchParams(hash.split('?')[1] ?? ''),
    go: navigate,
    onLeave: (fn) => leaving.push(fn),
    live: () => mine === generation,
  };
  main.appendChild(loading());
  try {
    await found.view.render(main, ctx);
  } catch (err) {
    if (mine === generation) replace(main, errorBox(err));
  }
  if (mine === generation) focusHeading(main);
}

function focusHeading(main: HTMLElement) {
  // Only after a navigation the person made, not on the first load (keeps the page from jumping for nothing).
  if (!started) return;
  (main.querySelector('h1') ?? main).focus({ preventScroll: false });
}

let started = false;

async function boot() {
  whenSignedOut(() => {
    if (!account) return;
    account = null;
    setCsrf(null);
    toast('Your session ended; please sign in again.');
    navigate('#/signin');
  });
  replace(root, h('main', { id: 'main', class: 'bare' }, loading('Opening the portal…')));
  try {
    const me = await get<Me>('/me');
    account = me.account;
    setCsrf(me.csrf, me.account?.id ?? null);
  } catch (err) {
    replace(root, h('main', { id: 'main', class: 'bare' }, errorBox(err)));
    return;
  }
  window.addEventListener('hashchange', () => void route());
  await route();
  started = true;
}

void boot();
