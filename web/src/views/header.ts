// The bar on every page: navigation, the live connection's state, the
// notifications button, the language and the signed-in user.

import { api } from '../api';
import type { App } from '../app';
import { fill, h, s } from '../dom';
import { LANGS, currentLang, t, type Lang, type MessageKey } from '../i18n';
import type { ConnState } from '../live';
import type { Notifier } from '../notifier';
import { href } from '../router';

const STATE_KEYS: Record<ConnState, MessageKey> = {
  connecting: 'conn.connecting',
  connected: 'conn.connected',
  reconnecting: 'conn.reconnecting',
  offline: 'conn.offline',
};

export class Header {
  readonly el: HTMLElement;

  constructor(
    private readonly app: App,
    private readonly notifier: Notifier,
    private readonly onLang: (lang: Lang) => void,
  ) {
    this.el = h('header', { class: 'top' });
    app.userChanges.on(() => this.render());
    app.live.states.on(() => this.renderConn());
    notifier.unreadChanges.on(() => this.renderBell());
    notifier.openChanges.on(() => this.renderBell());
  }

  render(): void {
    const me = this.app.me;
    const user = me
      ? h(
          'div',
          { class: 'user' },
          h('span', { class: 'muted' }, t('auth.signedInAs'), ' '),
          h('strong', { class: 'current-user', 'data-testid': 'current-user' }, me.username),
          h('button', { type: 'button', class: 'link-button', onClick: () => void this.signOut() }, t('auth.signOut')),
        )
      : h(
          'div',
          { class: 'user' },
          h('a', { href: href.signin() }, t('auth.signIn')),
          h('a', { href: href.signup(), class: 'button small' }, t('auth.signUp')),
        );
    const lang = h(
      'select',
      {
        id: 'lang',
        'aria-label': t('lang.label'),
        onChange: (e: Event) => this.onLang((e.target as HTMLSelectElement).value === 'pl' ? 'pl' : 'en'),
      },
      LANGS.map((l) => h('option', { value: l, selected: l === currentLang() }, t(l === 'en' ? 'lang.en' : 'lang.pl'))),
    );
    fill(
      this.el,
      h('a', { class: 'skip', href: '#main', onClick: skipToMain }, t('nav.skip')),
      h(
        'div',
        { class: 'bar' },
        h(
          'a',
          { class: 'brand', href: href.boards() },
          h('span', { class: 'logo', 'aria-hidden': 'true' }),
          t('app.name'),
        ),
        h(
          'nav',
          { 'aria-label': t('nav.main') },
          h('a', { href: href.boards() }, t('nav.boards')),
          me ? h('a', { href: href.newBoard() }, t('nav.new')) : null,
        ),
        h('div', { class: 'spacer' }),
        h('span', { class: 'conn', id: 'conn', role: 'status' }),
        h('button', {
          type: 'button',
          class: 'bell',
          id: 'notif-button',
          'aria-controls': 'notif-panel',
          onClick: () => this.notifier.toggle(),
        }),
        lang,
        user,
      ),
    );
    this.renderConn();
    this.renderBell();
  }

  private renderConn(): void {
    const el = this.el.querySelector('#conn');
    if (!el) return;
    const state = this.app.live.state;
    el.setAttribute('data-state', state);
    el.setAttribute('title', t('conn.label'));
    fill(
      el,
      h('span', { class: 'conn-dot', 'aria-hidden': 'true' }),
      h('span', { class: 'sr-only' }, t('conn.label'), ': '),
      t(STATE_KEYS[state]),
    );
  }

  private renderBell(): void {
    const el = this.el.querySelector('#notif-button');
    if (!el) return;
    const n = this.notifier.unread;
    el.setAttribute('aria-expanded', String(this.notifier.open));
    fill(
      el,
      bellIcon(),
      t('notif.button'),
      n > 0
        ? h(
            'span',
            { class: 'badge' },
            h('span', { 'aria-hidden': 'true' }, String(n)),
            h('span', { class: 'sr-only' }, `, ${t('notif.unread', { n })}`),
          )
        : null,
    );
  }

  private async signOut(): Promise<void> {
    // Signing out reloads the view without the user's work: ask first.
    if (!this.app.mayLeave()) return;
    try {
      await api.logout();
    } catch {
      // Signed out on the server or not: the page forgets the user either way.
    }
    this.app.setUser(null);
    this.app.flash(t('auth.signedOut'));
    this.app.navigate(href.boards());
  }
}

function bellIcon(): SVGSVGElement {
  return s(
    'svg',
    { class: 'bell-icon', viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false' },
    s('path', {
      d: 'M12 22a2.2 2.2 0 0 0 2.2-2.2H9.8A2.2 2.2 0 0 0 12 22Zm7-5.5-1.6-1.8V10a5.4 5.4 0 0 0-4.3-5.3V4a1.1 1.1 0 0 0-2.2 0v.7A5.4 5.4 0 0 0 6.6 10v4.7L5 16.5v1.2h14Z',
    }),
  );
}

function skipToMain(e: Event): void {
  e.preventDefault();
  document.getElementById('main')?.focus();
}
