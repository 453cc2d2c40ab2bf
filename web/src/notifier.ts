// Toasts in a corner and the panel of recent notifications. Toasts sit in a
// log region (polite live region) so screen readers announce them; they fade
// after a few seconds but wait while the pointer or focus is on them, so
// nobody loses a toast they are reading or about to click.
//
// Toasts never cover what the user is working with: views mark such parts
// (the grid, the rows of action buttons) with `data-keep-clear`, and the
// stack goes to the corner of the window (or the edge next to it) where it
// covers none of them, or the least.
// The panel opens under the header, never over it, and closes when the page
// changes.

import type { App } from './app';
import { fill, h } from './dom';
import { Emitter } from './emitter';
import { countsAsUnread, eventBoardId, eventText, wantsToast, type LiveEvent } from './events';
import { currentLang, t } from './i18n';
import { href } from './router';
import { GAP_PX, toastCorner } from './placement';
import { formatDateTime } from './time';

const TOAST_MS = 6000;
const FADE_MS = 400;
const KEEP = 50;
/** A replay after a long absence can bring many events at once: only the
 * newest few stay on screen, the panel has them all. */
const MAX_TOASTS = 4;

interface Entry {
  event: LiveEvent | null;
  text: string;
  at: string;
}

export class Notifier {
  readonly toastRegion: HTMLDivElement;
  readonly panel: HTMLElement;
  /** Unread count changed. */
  readonly unreadChanges = new Emitter<number>();
  /** The panel opened or closed. */
  readonly openChanges = new Emitter<boolean>();
  private readonly list: HTMLOListElement;
  private readonly entries: Entry[] = [];
  private unreadCount = 0;
  private header: HTMLElement | null = null;
  private placing = false;

  constructor(private readonly app: App) {
    this.toastRegion = h('div', {
      class: 'toasts',
      role: 'log',
      'aria-live': 'polite',
      'aria-relevant': 'additions',
      'aria-label': t('notif.region'),
    });
    this.list = h('ol', { class: 'notif-list' });
    this.panel = h('aside', {
      class: 'notif-panel',
      id: 'notif-panel',
      hidden: true,
      'aria-labelledby': 'notif-title',
    });
    this.panel.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      this.toggle(false);
      document.getElementById('notif-button')?.focus();
    });
    this.renderPanel();
    app.live.events.on((ev) => this.receive(ev));
    app.live.resets.on(() => this.add(null, t('event.reset'), true));
    const replace = (): void => {
      if (this.placing) return;
      this.placing = true;
      requestAnimationFrame(() => {
        this.placing = false;
        this.place();
      });
    };
    window.addEventListener('scroll', replace, { passive: true });
    window.addEventListener('resize', replace);
    // A view that grows or shrinks (a new grid, an error line) moves the
    // parts to keep clear without any scroll.
    new ResizeObserver(replace).observe(document.body);
  }

  /** The page header: the panel opens below it and toasts stay clear of it. */
  attachTo(header: HTMLElement): void {
    this.header = header;
  }

  /** Puts the panel under the header and the toasts where they cover least
   * of what the page marks `data-keep-clear` (see placement.ts); called
   * again when the page scrolls, resizes or changes. */
  place(): void {
    const header = this.header?.getBoundingClientRect();
    const headerBottom = Math.max(0, header?.bottom ?? 0);
    if (this.open && this.header) {
      // A sticky header stays on screen, so the panel stays under it; a
      // header that scrolls away (phones) takes the panel with it.
      const sticky = getComputedStyle(this.header).position === 'sticky';
      this.panel.style.position = sticky ? 'fixed' : 'absolute';
      this.panel.style.top = `${(sticky ? headerBottom : this.header.offsetTop + this.header.offsetHeight) + GAP_PX}px`;
    }
    const region = this.toastRegion;
    if (region.childElementCount === 0) return;
    const keep = [...document.querySelectorAll<HTMLElement>('[data-keep-clear]')]
      .map((el) => el.getBoundingClientRect())
      .filter((r) => r.width > 0 && r.height > 0);
    const at = toastCorner(
      keep,
      region.offsetWidth,
      region.offsetHeight,
      document.documentElement.clientWidth,
      window.innerHeight,
      headerBottom,
    );
    region.style.inset = `${at.top}px auto auto ${at.left}px`;
  }

  get unread(): number {
    return this.unreadCount;
  }

  get open(): boolean {
    return !this.panel.hidden;
  }

  toggle(open = !this.open): void {
    if (open === this.open) return;
    this.panel.hidden = !open;
    if (open) {
      this.unreadCount = 0;
      this.place();
      this.unreadChanges.emit(0);
      this.panel.querySelector<HTMLElement>('h2')?.focus();
    }
    this.openChanges.emit(open);
  }

  /** Rebuilds the texts in the current language. */
  render(): void {
    this.toastRegion.setAttribute('aria-label', t('notif.region'));
    for (const e of this.entries) if (e.event) e.text = eventText(currentLang(), e.event);
    this.renderPanel();
  }

  private receive(ev: LiveEvent): void {
    this.add(ev, eventText(currentLang(), ev), wantsToast(ev, this.app.username));
  }

  private add(event: LiveEvent | null, text: string, toast: boolean): void {
    this.entries.unshift({ event, text, at: new Date().toISOString() });
    this.entries.length = Math.min(this.entries.length, KEEP);
    if (!this.open && countsAsUnread(event, this.app.username)) {
      this.unreadCount++;
      this.unreadChanges.emit(this.unreadCount);
    }
    this.renderList();
    if (toast) this.toast(event, text);
  }

  private toast(event: LiveEvent | null, text: string): void {
    const boardId = event ? eventBoardId(event) : null;
    const toast = h('div', { class: 'toast', 'data-event': event?.name ?? 'reset' });
    const dismiss = (): void => {
      toast.classList.add('leaving');
      window.setTimeout(() => {
        toast.remove();
        this.place();
      }, FADE_MS);
    };
    const body =
      boardId !== null
        ? h(
            'a',
            {
              class: 'toast-text',
              href: href.play(boardId),
              title: t('notif.open'),
              onClick: () => dismiss(),
            },
            text,
          )
        : h('span', { class: 'toast-text' }, text);
    const close = h(
      'button',
      { type: 'button', class: 'toast-close', 'aria-label': t('notif.dismiss'), onClick: dismiss },
      '×',
    );
    fill(toast, body, close);

    let timer = window.setTimeout(dismiss, TOAST_MS);
    const hold = (): void => window.clearTimeout(timer);
    const resume = (): void => {
      window.clearTimeout(timer);
      timer = window.setTimeout(dismiss, TOAST_MS / 2);
    };
    toast.addEventListener('pointerenter', hold);
    toast.addEventListener('pointerleave', resume);
    toast.addEventListener('focusin', hold);
    toast.addEventListener('focusout', resume);
    while (this.toastRegion.children.length >= MAX_TOASTS) this.toastRegion.firstElementChild?.remove();
    this.toastRegion.append(toast);
    this.place();
  }

  private renderPanel(): void {
    fill(
      this.panel,
      h(
        'div',
        { class: 'notif-head' },
        h('h2', { id: 'notif-title', tabindex: -1 }, t('notif.title')),
        h('button', { type: 'button', class: 'link-button', onClick: () => this.toggle(false) }, t('notif.close')),
      ),
      this.list,
    );
    this.renderList();
  }

  private renderList(): void {
    if (this.entries.length === 0) {
      fill(this.list, h('li', { class: 'muted' }, t('notif.empty')));
      return;
    }
    fill(
      this.list,
      this.entries.map((e) => {
        const boardId = e.event ? eventBoardId(e.event) : null;
        return h(
          'li',
          { 'data-event': e.event?.name ?? 'reset' },
          h('time', { datetime: e.at }, formatDateTime(e.at, currentLang())),
          boardId !== null
            ? h('a', { href: href.play(boardId), onClick: () => this.toggle(false) }, e.text)
            : h('span', {}, e.text),
        );
      }),
    );
  }
}
