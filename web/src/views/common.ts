// Small pieces several views use.

import { ApiError } from '../api';
import type { App, View } from '../app';
import { fill, h, type Child } from '../dom';
import { describeError, type ErrorContext } from '../errors';
import { currentLang, t } from '../i18n';
import { href } from '../router';

/** The sentence to show for a failed request, in the user's language;
 * `ctx` is what was sent, so the sentence can name the cause. */
export function errorText(err: unknown, ctx: ErrorContext = {}): string {
  return describeError(currentLang(), err, ctx);
}

/** A 401 means the cookie is gone: the header should say so at once. */
export function noteSignedOut(app: App, err: unknown): void {
  if (err instanceof ApiError && err.status === 401 && app.me !== null) app.setUser(null);
}

export function signInPrompt(message: string, next: string): HTMLElement {
  return h(
    'div',
    { class: 'notice' },
    h('p', {}, message),
    h(
      'p',
      {},
      h('a', { class: 'button primary', href: href.signin(next) }, t('auth.signIn')),
      ' ',
      h('a', { href: href.signup(next) }, t('auth.signUp')),
    ),
  );
}

/** A view for routes that lead nowhere. */
export class NotFoundView implements View {
  readonly el = h('section', { class: 'narrow' });

  constructor(private readonly key: 'error.page' | 'error.notFound' = 'error.page') {
    this.render();
  }

  title(): string {
    return t(this.key);
  }

  render(): void {
    fill(this.el, h('h1', { tabindex: -1 }, t(this.key)), h('p', {}, h('a', { href: href.boards() }, t('back'))));
  }

  destroy(): void {}
}

/**
 * Rebuilds a view's content and, if its heading had the focus (as after a
 * route change), gives the focus to the new heading: a view that renders
 * again when its data arrives would otherwise drop the focus to the body.
 */
export function replaceContent(el: HTMLElement, ...children: Child[]): void {
  const active = document.activeElement;
  const headingHadFocus = active instanceof HTMLHeadingElement && el.contains(active);
  fill(el, ...children);
  if (headingHadFocus) el.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
}
