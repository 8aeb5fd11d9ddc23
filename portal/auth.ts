// Signing in and creating an account (a company's, to get API keys; or a merchant's, to connect a store).
import { post, setCsrf } from './api.js';
import { h, replace } from './dom.js';
import type { Me, SignUpAnswer } from './types.js';
import { busy, button, field, messageArea, passwordField } from './ui.js';

export type AuthHandlers = {
  signedIn(me: Me): void;
  signedUp(answer: SignUpAnswer): void;
};

function frame(mode: 'signin' | 'signup', ...form: Node[]): HTMLElement {
  const tab = (to: 'signin' | 'signup', text: string) =>
    h(
      'a',
      {
        href: `#/${to}`,
        class: `tab${mode === to ? ' current' : ''}`,
        'aria-current': mode === to ? 'page' : undefined,
      },
      text,
    );
  return h(
    'div',
    { class: 'auth' },
    h(
      'section',
      { class: 'auth-intro' },
      h('p', { class: 'brand big' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'A'), 'Aisle'),
      h('h1', { tabindex: '-1' }, mode === 'signin' ? 'Welcome back' : 'Create your Aisle account'),
      h(
        'p',
        { class: 'lead' },
        'Companies get the keys to put a shopping agent in their app and watch their users, orders and webhooks. ' +
          'Merchants connect their Shopify or WooCommerce store and fulfil what the agent sells.',
      ),
      h(
        'ul',
        { class: 'ticks' },
        h('li', null, 'API keys and webhook secret in one place'),
        h('li', null, 'Test your webhook endpoint before going live'),
        h('li', null, 'Connect a store, sync it and ship orders'),
      ),
    ),
    h(
      'section',
      { class: 'auth-card card' },
      h(
        'nav',
        { class: 'tabs', 'aria-label': 'Account' },
        tab('signin', 'Sign in'),
        tab('signup', 'Create account'),
      ),
      ...form,
    ),
  );
}

export function signInView(main: HTMLElement, handlers: AuthHandlers) {
  const msg = messageArea();
  const email = field('Email', {
    name: 'email',
    type: 'email',
    required: true,
    autocomplete: 'username',
    spellcheck: false,
  });
  const password = passwordField('Password', {
    name: 'password',
    required: true,
    autocomplete: 'current-password',
  });
  const submit = button('Sign in', { kind: 'primary', type: 'submit' });
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-label': 'Sign in' },
    msg.el,
    email.el,
    password.el,
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    if (!email.input.value || !password.input.value) {
      msg.invalid('Enter your email and password.');
      (email.input.value ? password.input : email.input).focus();
      return;
    }
    try {
      const me = await busy(submit, 'Signing in…', () =>
        post<Me>('/signin', { email: email.input.value, password: password.input.value }),
      );
      setCsrf(me.csrf, me.account?.id ?? null);
      handlers.signedIn(me);
    } catch (err) {
      msg.error(err);
      password.input.select();
    }
  });
  replace(main, frame('signin', form));
  email.input.focus();
}

export function signUpView(main: HTMLElement, handlers: AuthHandlers) {
  const msg = messageArea();
  let kind: 'company' | 'merchant' = 'company';
  const name = field('Company name', { name: 'name', required: true, autocomplete: 'organization' });
  const nameLabel = name.el.querySelector('label')!;
  const choice = (value: 'company' | 'merchant', title: string, text: string) => {
    const input = h('input', { type: 'radio', name: 'kind', value, checked: value === kind });
    input.addEventListener('change', () => {
      kind = value;
      nameLabel.firstChild!.textContent = value === 'company' ? 'Company name' : 'Store name';
      name.input.autocomplete = 'organization';
    });
    return h(
      'label',
      { class: 'choice' },
      input,
      h('span', null, h('strong', null, title), h('small', null, text)),
    );
  };
  const kinds = h(
    'fieldset',
    { class: 'choices' },
    h('legend', null, 'I am'),
    choice('company', 'A company', 'integrating the shopping agent into my app'),
    choice('merchant', 'A merchant', 'selling products through Aisle'),
  );
  const email = field('Email', {
    name: 'email',
    type: 'email',
    required: true,
    autocomplete: 'username',
    spellcheck: false,
  });
  const password = passwordField('Password', {
    name: 'password',
    required: true,
    autocomplete: 'new-password',
    minlength: 10,
    hint: 'At least 10 characters. A few unrelated words make a good one.',
  });
  const submit = button('Create account', { kind: 'primary', type: 'submit' });
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-label': 'Create account' },
    msg.el,
    kinds,
    name.el,
    email.el,
    password.el,
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    const problems: [HTMLInputElement, string][] = [];
    if (!name.input.value.trim())
      problems.push([name.input, `Enter a ${kind === 'company' ? 'company' : 'store'} name.`]);
    if (!/^\S+@\S+\.\S+$/.test(email.input.value.trim()))
      problems.push([email.input, 'Enter an email address.']);
    if (password.input.value.length < 10)
      problems.push([password.input, 'The password needs at least 10 characters.']);
    for (const input of [name.input, email.input, password.input]) input.removeAttribute('aria-invalid');
    if (problems.length) {
      for (const [input] of problems) input.setAttribute('aria-invalid', 'true');
      msg.invalid(problems.map((p) => p[1]).join(' '));
      problems[0]![0].focus();
      return;
    }
    try {
      const answer = await busy(submit, 'Creating…', () =>
        post<SignUpAnswer>('/signup', {
          kind,
          name: name.input.value.trim(),
          email: email.input.value.trim(),
          password: password.input.value,
        }),
      );
      setCsrf(answer.csrf, answer.account.id);
      handlers.signedUp(answer);
    } catch (err) {
      msg.error(err);
    }
  });
  replace(main, frame('signup', form));
  name.input.focus();
}
