// The board editor: size, name, a palette and a grid to put dot pairs on.
// The server is the judge of a board: the editor does not block a save
// on its own checks, and shows each error the server returns next to the
// field it names.

import { ApiError, api } from '../api';
import type { App, View } from '../app';
import { fill, h } from '../dom';
import { isCreator } from '../events';
import {
  colorsOf,
  countColor,
  fieldTarget,
  nextColor,
  orderedDots,
  parseSide,
  placeDot,
  removeDot,
  resizeDots,
  startColor,
} from '../grid';
import { GridView } from '../gridview';
import { t } from '../i18n';
import { PALETTE, colorLabel } from '../palette';
import { href } from '../router';
import type { Board, BoardDraft, Cell, Dot } from '../types';
import { errorText, noteSignedOut, replaceContent, signInPrompt } from './common';

type ErrorSlot = 'name' | 'rows' | 'cols' | 'dots' | 'form';

const DEFAULT_SIDE = 5;
const PALETTE_COLORS = PALETTE.map((p) => p.color);

export class EditorView implements View {
  readonly el = h('section', { class: 'editor' });
  private board: Board | null = null;
  private loading: boolean;
  private loadError: string | null = null;
  private deleted = false;

  private name = '';
  private rowsText = String(DEFAULT_SIDE);
  private colsText = String(DEFAULT_SIDE);
  private rows = DEFAULT_SIDE;
  private cols = DEFAULT_SIDE;
  private dots: Dot[] = [];
  private color = startColor([], PALETTE_COLORS);
  private errors: Partial<Record<ErrorSlot, string>> = {};
  private errorCell: Cell | null = null;
  private status: string;
  private saving = false;
  private confirmingDelete = false;

  private grid: GridView | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  /** The board as last loaded or saved (or the empty new one), to tell
   * whether there is anything to lose. */
  private baseline = '';

  constructor(
    private readonly app: App,
    private readonly boardId: number | null,
  ) {
    this.status = app.takeFlash() ?? '';
    this.loading = boardId !== null;
    this.unsubscribe.push(
      app.userChanges.on(() => this.render()),
      app.live.events.on((ev) => {
        if (ev.name === 'boardDeleted' && ev.data.board_id === this.boardId && !this.deleted) {
          this.deleted = true;
          this.render();
        }
      }),
    );
    this.baseline = this.snapshot();
    this.render();
    if (boardId !== null) void this.load(boardId);
  }

  private snapshot(): string {
    return JSON.stringify([this.name, this.rows, this.cols, orderedDots(this.dots)]);
  }

  hasUnsavedChanges(): boolean {
    if (this.deleted || this.loading || this.loadError !== null || !this.app.me) return false;
    if (this.board && !isCreator(this.board.creator_username, this.app.me.username)) return false;
    return this.snapshot() !== this.baseline;
  }

  title(): string {
    return t(this.boardId === null ? 'editor.titleNew' : 'editor.titleEdit');
  }

  destroy(): void {
    for (const off of this.unsubscribe) off();
  }

  private async load(id: number): Promise<void> {
    try {
      const b = await api.getBoard(id);
      this.board = b;
      this.name = b.name;
      this.rows = b.rows;
      this.cols = b.cols;
      this.rowsText = String(b.rows);
      this.colsText = String(b.cols);
      this.dots = b.dots.map((d) => ({ ...d, color: d.color.toLowerCase() }));
      this.color = startColor(this.dots, PALETTE_COLORS);
      this.baseline = this.snapshot();
    } catch (err) {
      this.loadError = err instanceof ApiError && err.status === 404 ? t('error.notFound') : errorText(err);
    }
    this.loading = false;
    this.grid = null;
    this.render();
  }

  render(): void {
    const heading = h('h1', { tabindex: -1 }, this.title());
    const me = this.app.me;
    const here = this.boardId === null ? href.newBoard() : href.edit(this.boardId);
    if (!me) {
      replaceContent(this.el, heading, signInPrompt(t('auth.signInToEdit'), here));
      return;
    }
    if (this.loading) {
      replaceContent(this.el, heading, h('p', { class: 'muted' }, t('boards.loading')));
      return;
    }
    if (this.loadError !== null || this.deleted) {
      replaceContent(
        this.el,
        heading,
        h('p', { class: 'form-error', role: 'alert' }, this.deleted ? t('editor.deletedElsewhere') : this.loadError),
        h('p', {}, h('a', { href: href.boards() }, t('back'))),
      );
      return;
    }
    if (this.board && !isCreator(this.board.creator_username, me.username)) {
      replaceContent(
        this.el,
        heading,
        h('p', { class: 'notice' }, t('editor.notOwner')),
        h('p', {}, h('a', { href: href.play(this.board.id) }, t('boards.play'))),
      );
      return;
    }

    if (!this.grid || this.grid.rows !== this.rows || this.grid.cols !== this.cols) {
      this.grid = new GridView(this.rows, this.cols, t('editor.grid'), {
        onPress: (cell) => this.toggleDot(cell),
      });
    }
    this.grid.setLabel(t('editor.grid'));

    const sizeField = (slot: 'rows' | 'cols', label: string, value: string) =>
      h(
        'div',
        { class: 'field small' },
        h('label', { for: `board-${slot}` }, label),
        h('input', {
          id: `board-${slot}`,
          type: 'number',
          inputmode: 'numeric',
          min: 2,
          max: 50,
          step: 1,
          value,
          'aria-describedby': `board-${slot}-error`,
          onInput: (e: Event) => {
            const v = (e.target as HTMLInputElement).value;
            if (slot === 'rows') this.rowsText = v;
            else this.colsText = v;
          },
          onKeydown: (e: KeyboardEvent) => {
            // Enter in a size field means "generate", not "save the board".
            if (e.key === 'Enter') {
              e.preventDefault();
              this.generate();
            }
          },
        }),
        h('p', { class: 'field-error', id: `board-${slot}-error` }),
      );

    const form = h(
      'form',
      { class: 'editor-form', novalidate: true, onSubmit: (e: Event) => void this.save(e) },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'board-name' }, t('editor.name')),
        h('input', {
          id: 'board-name',
          name: 'name',
          value: this.name,
          maxlength: 200,
          autocomplete: 'off',
          'aria-describedby': 'board-name-error',
          onInput: (e: Event) => {
            this.name = (e.target as HTMLInputElement).value;
          },
        }),
        h('p', { class: 'field-error', id: 'board-name-error' }),
      ),
      h(
        'div',
        { class: 'size-row' },
        sizeField('rows', t('editor.rows'), this.rowsText),
        sizeField('cols', t('editor.cols'), this.colsText),
        h(
          'button',
          { type: 'button', class: 'button', id: 'generate', onClick: () => this.generate() },
          t('editor.generate'),
        ),
      ),
      h(
        'div',
        { class: 'editor-main' },
        h(
          'fieldset',
          { class: 'palette' },
          h('legend', {}, t('editor.palette')),
          h('div', { class: 'swatches', id: 'palette' }),
        ),
        h(
          'div',
          { class: 'editor-board' },
          h('p', { class: 'hint', id: 'editor-help' }, t('editor.help')),
          this.grid.el,
          h('p', { class: 'field-error', id: 'board-dots-error' }),
        ),
      ),
      h('p', { class: 'form-error', id: 'board-form-error', role: 'alert' }),
      h('p', { class: 'status', id: 'board-status', role: 'status' }, this.status),
      h(
        'div',
        { class: 'actions', 'data-keep-clear': '' },
        h(
          'button',
          { type: 'submit', class: 'button primary', id: 'save', disabled: this.saving },
          this.saving ? t('editor.saving') : t('editor.save'),
        ),
        this.board ? h('a', { class: 'button', href: href.play(this.board.id) }, t('editor.play')) : null,
        this.board ? h('span', { class: 'spacer' }) : null,
        this.board ? this.deleteControls() : null,
      ),
    );
    replaceContent(this.el, heading, form);
    this.syncPalette();
    this.syncGrid();
    this.syncErrors();
  }

  private deleteControls(): HTMLElement {
    if (!this.confirmingDelete) {
      return h(
        'button',
        { type: 'button', class: 'button danger-outline', id: 'delete', onClick: () => this.setConfirm(true) },
        t('editor.delete'),
      );
    }
    return h(
      'span',
      { class: 'confirm' },
      h('span', { class: 'confirm-text' }, t('boards.confirmDelete', { board: this.board?.name ?? '' })),
      h(
        'button',
        { type: 'button', class: 'button danger', id: 'confirm-delete', onClick: () => void this.remove() },
        t('boards.confirm'),
      ),
      h('button', { type: 'button', class: 'button', onClick: () => this.setConfirm(false) }, t('boards.cancel')),
    );
  }

  private setConfirm(on: boolean): void {
    this.confirmingDelete = on;
    this.render();
    this.el.querySelector<HTMLElement>(on ? '#confirm-delete' : '#delete')?.focus();
  }

  private syncPalette(): void {
    const box = this.el.querySelector('#palette');
    if (!box) return;
    fill(
      box,
      PALETTE.map((p) => {
        const n = countColor(this.dots, p.color);
        const id = `color-${p.color.slice(1)}`;
        return h(
          'label',
          { class: n === 2 ? 'swatch done' : 'swatch', for: id, 'data-color': p.color },
          h('input', {
            type: 'radio',
            name: 'color',
            id,
            value: p.color,
            checked: p.color === this.color,
            onChange: () => {
              this.color = p.color;
              this.syncGrid();
            },
          }),
          h('span', { class: 'chip', style: `--c:${p.color}`, 'aria-hidden': 'true' }),
          h('span', { class: 'swatch-name' }, t(p.name)),
          h('span', { class: 'swatch-count' }, t('editor.count', { n })),
        );
      }),
    );
    // Colours from outside the palette (boards made through the API) are
    // listed too, so they can be seen and their dots removed.
    const extra = colorsOf(this.dots).filter((c) => !PALETTE_COLORS.includes(c));
    for (const c of extra) {
      box.append(
        h(
          'span',
          { class: 'swatch other' },
          h('span', { class: 'chip', style: `--c:${c}`, 'aria-hidden': 'true' }),
          h('span', { class: 'swatch-name' }, colorLabel(c)),
          h('span', { class: 'swatch-count' }, t('editor.count', { n: countColor(this.dots, c) })),
        ),
      );
    }
  }

  private syncGrid(): void {
    this.grid?.draw({ dots: this.dots, active: this.color, errorCell: this.errorCell });
  }

  private syncErrors(): void {
    const slots: [ErrorSlot, string, string | null][] = [
      ['name', 'board-name-error', 'board-name'],
      ['rows', 'board-rows-error', 'board-rows'],
      ['cols', 'board-cols-error', 'board-cols'],
      ['dots', 'board-dots-error', null],
      ['form', 'board-form-error', null],
    ];
    for (const [slot, errorId, inputId] of slots) {
      const text = this.errors[slot] ?? '';
      const el = this.el.querySelector(`#${errorId}`);
      if (el) el.textContent = text;
      if (inputId) {
        const input = this.el.querySelector(`#${inputId}`);
        if (text) input?.setAttribute('aria-invalid', 'true');
        else input?.removeAttribute('aria-invalid');
      }
    }
  }

  private toggleDot(cell: Cell): void {
    const [row, col] = cell;
    delete this.errors.dots;
    if (this.dots.some((d) => d.row === row && d.col === col)) {
      this.dots = removeDot(this.dots, row, col);
      if (this.errorCell && this.errorCell[0] === row && this.errorCell[1] === col) this.errorCell = null;
    } else {
      const r = placeDot(this.dots, this.rows, this.cols, row, col, this.color);
      if (r.ok) {
        this.dots = r.dots;
        this.color = nextColor(this.dots, PALETTE_COLORS, this.color);
      } else if (r.reason === 'colorFull') {
        this.errors.dots = t('editor.colorFull');
      }
    }
    this.syncPalette();
    this.syncGrid();
    this.syncErrors();
  }

  private generate(): void {
    const rows = parseSide(this.rowsText);
    const cols = parseSide(this.colsText);
    delete this.errors.rows;
    delete this.errors.cols;
    if (rows === null) this.errors.rows = t('editor.sideRange');
    if (cols === null) this.errors.cols = t('editor.sideRange');
    if (rows === null || cols === null) {
      this.syncErrors();
      this.el.querySelector<HTMLElement>(rows === null ? '#board-rows' : '#board-cols')?.focus();
      return;
    }
    const { dots, dropped } = resizeDots(this.dots, rows, cols);
    this.rows = rows;
    this.cols = cols;
    this.dots = dots;
    this.errorCell = null;
    this.status = dropped > 0 ? t('editor.dropped', { n: dropped }) : '';
    this.render();
    this.grid?.focus();
  }

  private async save(e: Event): Promise<void> {
    e.preventDefault();
    if (this.saving) return;
    // What is sent is kept, so that "dots[i]" in an error finds its cell.
    const sent = orderedDots(this.dots);
    const draft = { name: this.name, rows: this.rows, cols: this.cols, dots: sent };
    this.saving = true;
    this.errors = {};
    this.errorCell = null;
    this.status = '';
    this.render();
    try {
      if (this.board) {
        this.board = await api.updateBoard(this.board.id, draft);
        this.name = this.board.name;
        this.baseline = this.snapshot();
        this.status = t('editor.saved');
      } else {
        const created = await api.createBoard(draft);
        this.saving = false;
        this.baseline = this.snapshot();
        this.app.flash(t('editor.created'));
        this.app.navigate(href.edit(created.id));
        return;
      }
    } catch (err) {
      noteSignedOut(this.app, err);
      this.showError(err, { ...draft, dots: sent });
    }
    this.saving = false;
    this.render();
    this.focusFirstError();
  }

  private showError(err: unknown, draft: BoardDraft): void {
    const text = errorText(err, { draft });
    const target = fieldTarget(err instanceof ApiError ? err.field : undefined);
    if (target.kind === 'dot') {
      const dot = draft.dots[target.index];
      // The sentence names the dot's cell; the cell is also marked on the
      // grid so it can be found.
      this.errorCell = dot ? [dot.row, dot.col] : null;
      this.errors.dots = text;
    } else {
      this.errors[target.kind] = text;
    }
  }

  private focusFirstError(): void {
    const order: [ErrorSlot, string][] = [
      ['name', '#board-name'],
      ['rows', '#board-rows'],
      ['cols', '#board-cols'],
    ];
    for (const [slot, sel] of order) {
      if (this.errors[slot]) {
        this.el.querySelector<HTMLElement>(sel)?.focus();
        return;
      }
    }
    if (this.errors.dots && this.grid) {
      if (this.errorCell) this.grid.setCursor(this.errorCell);
      this.grid.focus();
    }
  }

  private async remove(): Promise<void> {
    if (!this.board) return;
    const name = this.board.name;
    try {
      await api.deleteBoard(this.board.id);
      this.deleted = true;
      this.app.flash(t('boards.deleted', { board: name }));
      this.app.navigate(href.boards());
    } catch (err) {
      noteSignedOut(this.app, err);
      this.confirmingDelete = false;
      this.errors = { form: errorText(err) };
      this.render();
    }
  }
}
