// Sign in and sign up. Signing up signs the new user in at once.

import { ApiError, api } from '../api';
import type { App, View } from '../app';
import { fill, h } from '../dom';
import { t } from '../i18n';
import { href } from '../router';
import { errorText } from './common';

type Mode = 'signin' | 'signup';
type Field = 'username' | 'password' | 'form';

export class AuthView implements View {
  readonly el = h('section', { class: 'auth narrow' });
  private username = '';
  private password = '';
  private errors: Partial<Record<Field, string>> = {};
  private busy = false;

  constructor(
    private readonly app: App,
    private readonly mode: Mode,
    private readonly next: string | null,
  ) {
    this.render();
  }

  title(): string {
    return t(this.mode === 'signin' ? 'auth.signInTitle' : 'auth.signUpTitle');
  }

  render(): void {
    const signup = this.mode === 'signup';
    const field = (
      name: 'username' | 'password',
      label: string,
      hint: string | null,
      attrs: Record<string, string>,
    ) => {
      const error = this.errors[name];
      const describedBy = [hint ? `${name}-hint` : '', `${name}-error`].filter(Boolean).join(' ');
      return h(
        'div',
        { class: 'field' },
        h('label', { for: name }, label),
        h('input', {
          id: name,
          name,
          value: name === 'username' ? this.username : this.password,
          'aria-describedby': describedBy,
          'aria-invalid': error ? 'true' : null,
          onInput: (e: Event) => {
            const v = (e.target as HTMLInputElement).value;
            if (name === 'username') this.username = v;
            else this.password = v;
          },
          ...attrs,
        }),
        hint ? h('p', { class: 'hint', id: `${name}-hint` }, hint) : null,
        h('p', { class: 'field-error', id: `${name}-error` }, error ?? ''),
      );
    };
    const other = signup
      ? h('p', {}, t('auth.haveAccount'), ' ', h('a', { href: href.signin(this.next ?? undefined) }, t('auth.signIn')))
      : h('p', {}, t('auth.noAccount'), ' ', h('a', { href: href.signup(this.next ?? undefined) }, t('auth.signUp')));
    fill(
      this.el,
      h('h1', { tabindex: -1 }, this.title()),
      h(
        'form',
        { novalidate: true, onSubmit: (e: Event) => void this.submit(e) },
        field('username', t('auth.username'), signup ? t('auth.usernameHint') : null, {
          autocomplete: 'username',
          autocapitalize: 'none',
          spellcheck: 'false',
        }),
        field('password', t('auth.password'), signup ? t('auth.passwordHint') : null, {
          type: 'password',
          autocomplete: signup ? 'new-password' : 'current-password',
        }),
        h('p', { class: 'form-error', id: 'form-error', role: 'alert' }, this.errors.form ?? ''),
        h(
          'button',
          { type: 'submit', class: 'button primary', disabled: this.busy },
          this.busy ? t('auth.working') : t(signup ? 'auth.signUp' : 'auth.signIn'),
        ),
      ),
      other,
    );
  }

  destroy(): void {}

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    if (this.busy) return;
    this.busy = true;
    this.errors = {};
    this.render();
    try {
      if (this.mode === 'signup') await api.register(this.username, this.password);
      await api.login(this.username, this.password);
      const me = await api.me();
      this.app.setUser(me);
      this.app.navigate(this.next ?? href.boards());
      return;
    } catch (err) {
      this.errors = fieldErrors(err, errorText(err, { username: this.username, password: this.password }));
    }
    this.busy = false;
    this.render();
    const first = (['username', 'password'] as const).find((f) => this.errors[f]);
    if (first) document.getElementById(first)?.focus();
  }
}

/** Where an error's sentence goes: under the field the server names, else
 * above the button. */
function fieldErrors(err: unknown, text: string): Partial<Record<Field, string>> {
  if (err instanceof ApiError) {
    if (err.field === 'username' || err.field === 'password') return { [err.field]: text };
    // A taken name is the username's fault even when the server names no field.
    if (err.status === 409) return { username: text };
  }
  return { form: text };
}
