// The list of boards, newest first, kept current by the live events: rows
// are added, replaced and removed one by one so focus and scroll stay put.

import { api } from '../api';
import type { App, View } from '../app';
import { fill, h } from '../dom';
import { isCreator, type LiveEvent } from '../events';
import { currentLang, t } from '../i18n';
import { href } from '../router';
import { formatAge, formatDateTime } from '../time';
import type { Board } from '../types';
import { errorText, noteSignedOut, replaceContent } from './common';

const MINE_KEY = 'dots.mine';
const AGE_REFRESH_MS = 30_000;

export class BoardsView implements View {
  readonly el = h('section', { class: 'boards' });
  private boards: Board[] = [];
  private next: number | null = null;
  private mine: boolean;
  private loading = true;
  private error: string | null = null;
  private message: string | null;
  private confirming: number | null = null;
  private readonly fresh = new Set<number>();
  private readonly rows = new Map<number, HTMLTableRowElement>();
  private tbody: HTMLTableSectionElement | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly ageTimer: number;
  /** Bumped on every reload, so answers to older requests are dropped. */
  private generation = 0;

  constructor(private readonly app: App) {
    this.mine = sessionStorage.getItem(MINE_KEY) === '1' && app.me !== null;
    this.message = app.takeFlash();
    this.unsubscribe.push(
      app.live.events.on((ev) => void this.onEvent(ev)),
      app.live.resyncs.on(() => void this.reload()),
      app.userChanges.on(() => {
        if (!app.me) this.mine = false;
        void this.reload();
      }),
    );
    this.ageTimer = window.setInterval(() => this.refreshAges(), AGE_REFRESH_MS);
    this.render();
    void this.reload();
  }

  title(): string {
    return t('boards.title');
  }

  destroy(): void {
    for (const off of this.unsubscribe) off();
    window.clearInterval(this.ageTimer);
  }

  render(): void {
    const signedIn = this.app.me !== null;
    const mineBox = h('input', {
      type: 'checkbox',
      id: 'mine',
      checked: this.mine,
      disabled: !signedIn,
      onChange: (e: Event) => {
        this.mine = (e.target as HTMLInputElement).checked;
        sessionStorage.setItem(MINE_KEY, this.mine ? '1' : '0');
        void this.reload();
      },
    });
    this.tbody = h('tbody');
    this.rows.clear();
    const table = h(
      'table',
      { class: 'board-table' },
      h('caption', { class: 'sr-only' }, t('boards.title')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('boards.col.name')),
          h('th', { scope: 'col' }, t('boards.col.size')),
          h('th', { scope: 'col' }, t('boards.col.creator')),
          h('th', { scope: 'col' }, t('boards.col.age')),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('boards.col.actions'))),
        ),
      ),
      this.tbody,
    );
    for (const b of this.boards) {
      const row = this.row(b);
      this.rows.set(b.id, row);
      this.tbody.append(row);
    }
    replaceContent(
      this.el,
      h(
        'div',
        { class: 'page-head' },
        h('h1', { tabindex: -1 }, t('boards.title')),
        signedIn ? h('a', { class: 'button primary', href: href.newBoard() }, t('nav.new')) : null,
      ),
      h('p', { class: 'status', role: 'status', id: 'boards-status' }, this.message ?? ''),
      h('div', { class: 'toolbar' }, h('label', { class: 'check' }, mineBox, ' ', t('boards.mine'))),
      table,
      h('p', { class: 'muted empty', id: 'boards-empty' }),
      h('p', { class: 'form-error', role: 'alert' }, this.error ?? ''),
      this.next !== null
        ? h('button', { type: 'button', class: 'button', onClick: () => void this.loadMore() }, t('boards.loadMore'))
        : null,
    );
    this.renderEmpty();
  }

  private renderEmpty(): void {
    const el = this.el.querySelector('#boards-empty');
    if (!el) return;
    let text = '';
    if (this.loading) text = t('boards.loading');
    else if (this.boards.length === 0 && this.error === null) text = t(this.mine ? 'boards.emptyMine' : 'boards.empty');
    el.textContent = text;
    this.el.querySelector('table')?.classList.toggle('hidden', this.boards.length === 0);
  }

  private row(b: Board): HTMLTableRowElement {
    const own = isCreator(b.creator_username, this.app.username);
    let actions: HTMLElement;
    if (this.confirming === b.id) {
      actions = h(
        'td',
        { class: 'row-actions' },
        h('span', { class: 'confirm-text' }, t('boards.confirmDelete', { board: b.name })),
        h(
          'button',
          { type: 'button', class: 'button danger small', onClick: () => void this.remove(b) },
          t('boards.confirm'),
        ),
        h(
          'button',
          { type: 'button', class: 'button small', onClick: () => this.setConfirming(null) },
          t('boards.cancel'),
        ),
      );
    } else {
      actions = h(
        'td',
        { class: 'row-actions' },
        h(
          'a',
          { class: 'button small', href: href.play(b.id), 'aria-label': `${t('boards.play')}: ${b.name}` },
          t('boards.play'),
        ),
        own
          ? h(
              'a',
              { class: 'button small', href: href.edit(b.id), 'aria-label': `${t('boards.edit')}: ${b.name}` },
              t('boards.edit'),
            )
          : null,
        own
          ? h(
              'button',
              {
                type: 'button',
                class: 'button small danger-outline',
                'aria-label': `${t('boards.delete')}: ${b.name}`,
                onClick: () => this.setConfirming(b.id),
              },
              t('boards.delete'),
            )
          : null,
      );
    }
    return h(
      'tr',
      { 'data-board-id': b.id, class: this.fresh.has(b.id) ? 'fresh' : null },
      h('th', { scope: 'row', class: 'name' }, h('a', { href: href.play(b.id) }, b.name)),
      h('td', {}, t('boards.size', { rows: b.rows, cols: b.cols })),
      h('td', { class: 'creator' }, b.creator_username),
      h(
        'td',
        {},
        h(
          'time',
          { datetime: b.created_at, title: formatDateTime(b.created_at, currentLang()) },
          formatAge(b.created_at, new Date(), currentLang()),
        ),
      ),
      actions,
    );
  }

  private setConfirming(id: number | null): void {
    const before = this.confirming;
    this.confirming = id;
    for (const changed of [before, id]) {
      const b = this.boards.find((x) => x.id === changed);
      if (b) this.replaceRow(b);
    }
    const focusSel =
      id !== null
        ? `tr[data-board-id="${id}"] .danger`
        : before !== null
          ? `tr[data-board-id="${before}"] .danger-outline`
          : null;
    if (focusSel) this.el.querySelector<HTMLElement>(focusSel)?.focus();
  }

  private async reload(): Promise<void> {
    const gen = ++this.generation;
    this.loading = true;
    this.error = null;
    this.renderEmpty();
    try {
      const page = await api.listBoards({ mine: this.mine });
      if (gen !== this.generation) return;
      this.boards = page.boards;
      this.next = page.next;
    } catch (err) {
      if (gen !== this.generation) return;
      noteSignedOut(this.app, err);
      this.error = errorText(err);
    }
    this.loading = false;
    this.render();
  }

  private async loadMore(): Promise<void> {
    if (this.next === null) return;
    const gen = this.generation;
    try {
      const page = await api.listBoards({ mine: this.mine, after: this.next });
      if (gen !== this.generation) return;
      const known = new Set(this.boards.map((b) => b.id));
      this.boards.push(...page.boards.filter((b) => !known.has(b.id)));
      this.next = page.next;
    } catch (err) {
      this.error = errorText(err);
    }
    this.render();
  }

  private async onEvent(ev: LiveEvent): Promise<void> {
    const id = ev.data.board_id;
    if (ev.name === 'boardDeleted') {
      this.removeRow(id);
      return;
    }
    if (ev.name !== 'newBoard' && ev.name !== 'boardUpdated') return;
    if (ev.name === 'boardUpdated' && !this.rows.has(id)) return;
    if (this.mine && !isCreator(ev.data.creator_username, this.app.username)) return;
    let board: Board;
    try {
      board = await api.getBoard(id);
    } catch {
      // Deleted again before we asked: its boardDeleted event handles the row.
      return;
    }
    const at = this.boards.findIndex((b) => b.id === id);
    if (at >= 0) {
      this.boards[at] = board;
      this.replaceRow(board);
      return;
    }
    // The list is newest first and ids grow, so a new board goes above the
    // first board with a smaller id.
    const before = this.boards.findIndex((b) => b.id < id);
    const index = before < 0 ? this.boards.length : before;
    if (before < 0 && this.next !== null) return; // belongs to a page not loaded yet
    this.boards.splice(index, 0, board);
    this.fresh.add(id);
    const row = this.row(board);
    this.rows.set(id, row);
    const next = this.boards[index + 1];
    const nextRow = next ? this.rows.get(next.id) : undefined;
    if (this.tbody) this.tbody.insertBefore(row, nextRow ?? null);
    this.renderEmpty();
    window.setTimeout(() => {
      this.fresh.delete(id);
      this.rows.get(id)?.classList.remove('fresh');
    }, 3000);
  }

  private replaceRow(b: Board): void {
    const old = this.rows.get(b.id);
    if (!old) return;
    const row = this.row(b);
    old.replaceWith(row);
    this.rows.set(b.id, row);
  }

  private removeRow(id: number): void {
    this.boards = this.boards.filter((b) => b.id !== id);
    this.rows.get(id)?.remove();
    this.rows.delete(id);
    if (this.confirming === id) this.confirming = null;
    this.renderEmpty();
  }

  private async remove(b: Board): Promise<void> {
    try {
      await api.deleteBoard(b.id);
      this.removeRow(b.id);
      this.setStatus(t('boards.deleted', { board: b.name }));
    } catch (err) {
      noteSignedOut(this.app, err);
      this.confirming = null;
      this.replaceRow(b);
      this.setStatus(errorText(err));
    }
  }

  private setStatus(text: string): void {
    this.message = text;
    const el = this.el.querySelector('#boards-status');
    if (el) fill(el, text);
  }

  private refreshAges(): void {
    const now = new Date();
    for (const el of this.el.querySelectorAll<HTMLTimeElement>('tbody time')) {
      el.textContent = formatAge(el.dateTime, now, currentLang());
    }
  }
}
