// Playing a board: draw lines with the pointer or the keyboard, see a broken
// rule the moment it happens, undo, clear, and save the path to the server.

import { ApiError, api } from '../api';
import type { App, View } from '../app';
import { fill, h } from '../dom';
import { isCreator } from '../events';
import { GridView } from '../gridview';
import { t, type MessageKey } from '../i18n';
import { colorLabel } from '../palette';
import {
  History,
  NO_LINES,
  boardColors,
  checkSegments,
  clearColor,
  dotAtCell,
  fromSegments,
  grab,
  head,
  isJoined,
  isNeighbour,
  isSolved,
  joinedCount,
  lineAt,
  sameCell,
  sameLines,
  step,
  stepToward,
  toSegments,
  type Lines,
  type Problem,
} from '../path';
import { href } from '../router';
import type { Board, Cell, SavedPath } from '../types';
import { errorText, noteSignedOut, replaceContent } from './common';

const VIOLATION_KEYS: Record<Problem['violation'], MessageKey> = {
  crossing: 'play.violation.crossing',
  foreignDot: 'play.violation.foreignDot',
  notAdjacent: 'play.violation.notAdjacent',
  alreadyConnected: 'play.violation.alreadyConnected',
  outside: 'play.violation.outside',
};

type Tone = 'info' | 'violation' | 'error' | 'success';

export class PlayView implements View {
  readonly el = h('section', { class: 'play' });
  private board: Board | null = null;
  private loadError: string | null = null;
  private lines: Lines = NO_LINES;
  private saved: Lines = NO_LINES;
  private hasSaved = false;
  private readonly history = new History();
  private active: string | null = null;
  private message: { text: string; tone: Tone } | null = null;
  private saving = false;
  private changedElsewhere = false;
  private deleted = false;
  private grid: GridView | null = null;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly app: App,
    private readonly boardId: number,
  ) {
    this.unsubscribe.push(
      app.live.events.on((ev) => {
        if (ev.data.board_id !== this.boardId) return;
        if (ev.name === 'boardDeleted') this.deleted = true;
        else if (ev.name === 'boardUpdated') this.changedElsewhere = true;
        else return;
        this.renderNotices();
      }),
      app.userChanges.on(() => void this.load()),
    );
    this.render();
    void this.load();
  }

  title(): string {
    return this.board?.name ?? t('boards.play');
  }

  destroy(): void {
    for (const off of this.unsubscribe) off();
  }

  /** A drawing that differs from the saved path, while it could be saved. */
  hasUnsavedChanges(): boolean {
    const b = this.board;
    return b !== null && this.app.me !== null && !this.deleted && !sameLines(b, this.lines, this.saved);
  }

  private async load(): Promise<void> {
    try {
      const [board, path] = await Promise.all([api.getBoard(this.boardId), this.ownPath()]);
      this.board = { ...board, dots: board.dots.map((d) => ({ ...d, color: d.color.toLowerCase() })) };
      this.loadError = null;
      this.lines = NO_LINES;
      this.hasSaved = path !== null;
      this.message = null;
      // A path saved before the creator changed the board may no longer fit.
      if (path && checkSegments(this.board, path.segments) === null) this.lines = fromSegments(path.segments);
      else if (path) this.message = { text: t('play.boardChanged'), tone: 'info' };
      this.saved = this.lines;
      this.history.clear();
      this.active = null;
      this.changedElsewhere = false;
      this.grid = null;
      document.title = `${this.title()} · ${t('app.name')}`;
    } catch (err) {
      this.loadError = err instanceof ApiError && err.status === 404 ? t('error.notFound') : errorText(err);
    }
    this.render();
  }

  /** The user's saved path; a failure to read it only costs the drawing,
   * so the board is shown anyway. */
  private async ownPath(): Promise<SavedPath | null> {
    if (!this.app.me) return null;
    try {
      return await api.getPath(this.boardId);
    } catch (err) {
      noteSignedOut(this.app, err);
      return null;
    }
  }

  render(): void {
    const b = this.board;
    if (!b) {
      replaceContent(
        this.el,
        h('h1', { tabindex: -1 }, this.loadError ? t('boards.play') : t('boards.loading')),
        this.loadError ? h('p', { class: 'form-error', role: 'alert' }, this.loadError) : null,
        h('p', {}, h('a', { href: href.boards() }, t('back'))),
      );
      return;
    }
    if (!this.grid) {
      this.grid = new GridView(b.rows, b.cols, t('play.grid'), {
        onPress: (cell, by) => this.press(cell, by),
        onDrag: (cell) => this.drag(cell),
        onArrow: (from, to) => this.arrow(from, to),
        onKey: (e) => this.key(e),
      });
    }
    this.grid.setLabel(t('play.grid'));
    const own = isCreator(b.creator_username, this.app.username);
    replaceContent(
      this.el,
      h(
        'div',
        { class: 'page-head' },
        h('h1', { tabindex: -1, id: 'board-title' }, b.name),
        h(
          'p',
          { class: 'muted byline' },
          t('play.by', { user: b.creator_username }),
          ' · ',
          t('boards.size', { rows: b.rows, cols: b.cols }),
        ),
        own ? h('a', { class: 'button small', href: href.edit(b.id) }, t('play.edit')) : null,
      ),
      h('div', { class: 'notices', id: 'play-notices' }),
      h('p', { class: 'hint', id: 'play-help' }, t('play.help')),
      h(
        'div',
        { class: 'play-main' },
        h(
          'div',
          { class: 'play-board', style: `--rows:${b.rows};--cols:${b.cols}` },
          this.grid.el,
          h('p', { class: 'play-message', id: 'play-message', 'aria-live': 'assertive' }),
        ),
        h(
          'div',
          { class: 'play-side' },
          h('p', { class: 'solved-banner', id: 'solved', role: 'status' }),
          h('p', { class: 'progress', id: 'progress' }),
          h('h2', { class: 'legend-title' }, t('play.legend')),
          h('ul', { class: 'legend', id: 'legend' }),
          h(
            'div',
            { class: 'actions', 'data-keep-clear': '' },
            h('button', { type: 'button', class: 'button', id: 'undo', onClick: () => this.undo() }, t('play.undo')),
            h(
              'button',
              { type: 'button', class: 'button', id: 'clear-all', onClick: () => this.clearAll() },
              t('play.clearAll'),
            ),
          ),
          h(
            'div',
            { class: 'actions save-row', 'data-keep-clear': '' },
            this.app.me
              ? h(
                  'button',
                  { type: 'button', class: 'button primary', id: 'save-path', onClick: () => void this.save() },
                  t('play.save'),
                )
              : h(
                  'p',
                  { class: 'notice' },
                  h('a', { href: href.signin(href.play(b.id)) }, t('auth.signIn')),
                  ' — ',
                  t('auth.signInToSave'),
                ),
            h('span', { class: 'muted', id: 'save-state', role: 'status' }),
          ),
        ),
      ),
    );
    this.sync();
    this.renderNotices();
  }

  private renderNotices(): void {
    const el = this.el.querySelector('#play-notices');
    if (!el) return;
    const notices = [];
    if (this.deleted)
      notices.push(
        h(
          'p',
          { class: 'notice warn', role: 'alert' },
          t('play.boardDeleted'),
          ' ',
          h('a', { href: href.boards() }, t('back')),
        ),
      );
    else if (this.changedElsewhere)
      notices.push(
        h(
          'p',
          { class: 'notice', role: 'status' },
          t('play.boardChanged'),
          ' ',
          h('button', { type: 'button', class: 'link-button', onClick: () => void this.load() }, t('play.reload')),
        ),
      );
    fill(el, notices);
    const save = this.el.querySelector<HTMLButtonElement>('#save-path');
    if (save) save.disabled = this.deleted || this.saving;
  }

  /** Brings everything that depends on the lines up to date. */
  private sync(): void {
    const b = this.board;
    if (!b || !this.grid) return;
    const solved = isSolved(b, this.lines);
    this.grid.draw({ dots: b.dots, lines: this.lines, active: this.active, solved });

    const colors = boardColors(b);
    const legend = this.el.querySelector('#legend');
    if (legend) {
      fill(
        legend,
        colors.map((c) => {
          const joined = isJoined(b, c, this.lines.get(c));
          return h(
            'li',
            {
              'data-color': c,
              class: [joined ? 'joined' : '', c === this.active ? 'active' : ''].join(' ').trim() || null,
            },
            h('span', { class: 'chip', style: `--c:${c}`, 'aria-hidden': 'true' }),
            h('span', { class: 'legend-name' }, colorLabel(c)),
            h('span', { class: 'legend-state' }, joined ? `✓ ${t('play.joined')}` : t('play.open')),
            h(
              'button',
              {
                type: 'button',
                class: 'link-button',
                'aria-label': t('play.clearColor', { color: colorLabel(c) }),
                disabled: !this.lines.has(c),
                onClick: () => this.clear(c),
              },
              t('play.clear'),
            ),
          );
        }),
      );
    }
    const progress = this.el.querySelector('#progress');
    if (progress) progress.textContent = t('play.progress', { done: joinedCount(b, this.lines), total: colors.length });
    const banner = this.el.querySelector('#solved');
    if (banner) {
      banner.textContent = solved ? t('play.solved') : '';
      banner.classList.toggle('on', solved);
    }
    const msg = this.el.querySelector('#play-message');
    if (msg) {
      msg.textContent = this.message?.text ?? '';
      msg.className = `play-message ${this.message?.tone ?? ''}`;
    }
    const undo = this.el.querySelector<HTMLButtonElement>('#undo');
    if (undo) undo.disabled = this.history.size === 0;
    const clearAll = this.el.querySelector<HTMLButtonElement>('#clear-all');
    if (clearAll) clearAll.disabled = this.lines.size === 0;
    const state = this.el.querySelector('#save-state');
    if (state && this.app.me)
      state.textContent = sameLines(b, this.lines, this.saved)
        ? this.hasSaved
          ? t('play.savedState')
          : ''
        : t('play.unsaved');
  }

  private change(lines: Lines): void {
    if (lines === this.lines) return;
    this.history.push(this.lines);
    this.lines = lines;
  }

  private say(text: string | null, tone: Tone = 'info'): void {
    this.message = text === null ? null : { text, tone };
  }

  private report(problem: Problem): void {
    this.say(
      t(VIOLATION_KEYS[problem.violation], { color: colorLabel(problem.other ?? this.active ?? '') }),
      'violation',
    );
    this.grid?.flashViolation(problem.cell);
  }

  private press(cell: Cell, by: 'pointer' | 'keyboard'): void {
    const b = this.board;
    if (!b) return;
    const end = this.active !== null ? head(this.lines, this.active) : undefined;
    // A press next to the end of the line being drawn extends it, so a line
    // can be drawn by clicks alone; that includes its own second dot.
    if (this.active !== null && end !== undefined && isNeighbour(end, cell) && lineAt(this.lines, cell) === undefined) {
      const dot = dotAtCell(b, cell);
      if (dot === undefined || dot.color === this.active) {
        this.move(cell);
        return;
      }
    }
    const g = grab(b, this.lines, cell);
    if (g.ok) {
      this.change(g.lines);
      this.active = g.color;
      this.say(t('play.active', { color: colorLabel(g.color) }));
    } else if (this.active !== null && end !== undefined && by === 'pointer') {
      this.report({ violation: 'notAdjacent', cell });
    } else {
      this.say(t('play.startOnDot'));
    }
    this.sync();
  }

  private move(cell: Cell): void {
    const b = this.board;
    if (!b || this.active === null) return;
    const r = step(b, this.lines, this.active, cell);
    if (r.ok) {
      this.change(r.lines);
      this.say(null);
      this.grid?.setCursor(cell);
    } else {
      this.report(r);
    }
    this.sync();
  }

  private drag(cell: Cell): void {
    const b = this.board;
    if (!b || this.active === null) return;
    const r = stepToward(b, this.lines, this.active, cell);
    if (r.lines !== this.lines) {
      this.change(r.lines);
      this.say(null);
    }
    // A diagonal jump is only a fast pointer, not a broken rule.
    if (r.problem && r.problem.violation !== 'notAdjacent') this.report(r.problem);
    const end = head(this.lines, this.active);
    if (end) this.grid?.setCursor(end);
    this.sync();
  }

  private arrow(from: Cell, to: Cell): boolean {
    const b = this.board;
    if (!b || this.active === null) return false;
    const end = head(this.lines, this.active);
    if (!end || !sameCell(end, from)) return false;
    const r = step(b, this.lines, this.active, to);
    if (!r.ok && r.violation === 'alreadyConnected') {
      // The line is done: the arrows go back to moving the cursor.
      this.active = null;
      this.say(null);
      this.sync();
      return false;
    }
    this.move(to);
    return true;
  }

  private key(e: KeyboardEvent): boolean {
    if (e.key === 'Backspace' || ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z')) {
      this.undo();
      return true;
    }
    if (e.key === 'Escape' && this.active !== null) {
      this.active = null;
      this.say(null);
      this.sync();
      return true;
    }
    return false;
  }

  private undo(): void {
    const previous = this.history.pop();
    if (previous === undefined) return;
    this.lines = previous;
    if (this.active !== null) {
      const end = head(this.lines, this.active);
      if (end) this.grid?.setCursor(end);
      else this.active = null;
    }
    this.say(null);
    this.sync();
  }

  private clear(color: string): void {
    this.change(clearColor(this.lines, color));
    if (this.active === color) this.active = null;
    this.say(null);
    this.sync();
  }

  private clearAll(): void {
    this.change(NO_LINES);
    this.active = null;
    this.say(null);
    this.sync();
  }

  private async save(): Promise<void> {
    const b = this.board;
    if (!b || this.saving) return;
    const segments = toSegments(b, this.lines);
    if (segments.length === 0 && !this.hasSaved) {
      this.say(t('play.nothing'));
      this.sync();
      return;
    }
    this.saving = true;
    this.renderNotices();
    const sent = this.lines;
    try {
      if (segments.length === 0) {
        await api.deletePath(b.id);
        this.hasSaved = false;
        this.say(t('play.removed'), 'success');
      } else {
        await api.savePath(b.id, segments);
        this.hasSaved = true;
        this.say(t('play.saved'), 'success');
      }
      this.saved = sent;
    } catch (err) {
      noteSignedOut(this.app, err);
      this.say(errorText(err, { segments }), 'error');
    }
    this.saving = false;
    this.renderNotices();
    this.sync();
  }
}
