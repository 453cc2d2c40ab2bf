// The board on screen, shared by the editor and the play view. An SVG layer
// draws tints, lines and dots; a layer of transparent cells above it takes
// the pointer, carries data-row/data-col and the labels screen readers read.
// The grid is one tab stop; the arrow keys move a cursor inside it.

import { h, s } from './dom';
import { t } from './i18n';
import { colorLabel } from './palette';
import type { Lines } from './path';
import type { Cell, Dot } from './types';

export interface GridHandlers {
  /** Pointer down on a cell, or Enter/Space on the cursor's cell. */
  onPress?(cell: Cell, by: 'pointer' | 'keyboard'): void;
  /** The pressed pointer moved onto another cell. */
  onDrag?(cell: Cell): void;
  onRelease?(): void;
  /** An arrow key; return true when it was used (the cursor then stays
   * unless the handler moves it). */
  onArrow?(from: Cell, to: Cell): boolean;
  /** Any other key; return true when it was used. */
  onKey?(event: KeyboardEvent): boolean;
}

export interface GridPicture {
  dots: readonly Dot[];
  lines?: Lines;
  /** The colour being drawn: its dots get a ring. */
  active?: string | null;
  /** A cell to mark as wrong (the dot a server error is about). */
  errorCell?: Cell | null;
  solved?: boolean;
}

let gridCount = 0;

export class GridView {
  readonly el: HTMLDivElement;
  private readonly surface: HTMLDivElement;
  private readonly svg: SVGSVGElement;
  private readonly cells: HTMLDivElement[][] = [];
  private readonly idPrefix: string;
  private cursorCell: Cell = [0, 0];
  private pressed = false;
  private lastDrag: Cell | null = null;
  private violationTimer: number | undefined;

  constructor(
    readonly rows: number,
    readonly cols: number,
    label: string,
    private readonly handlers: GridHandlers,
  ) {
    this.idPrefix = `g${++gridCount}`;
    this.svg = s('svg', {
      class: 'grid-art',
      viewBox: `0 0 ${cols} ${rows}`,
      'aria-hidden': 'true',
      focusable: 'false',
    });
    const rowEls = [];
    for (let r = 0; r < rows; r++) {
      const rowCells: HTMLDivElement[] = [];
      for (let c = 0; c < cols; c++) {
        rowCells.push(
          h('div', {
            class: 'cell',
            role: 'gridcell',
            id: `${this.idPrefix}-${r}-${c}`,
            'data-row': r,
            'data-col': c,
          }),
        );
      }
      this.cells.push(rowCells);
      rowEls.push(h('div', { class: 'grid-row', role: 'row' }, rowCells));
    }
    this.surface = h(
      'div',
      {
        class: 'grid-cells',
        role: 'grid',
        tabindex: 0,
        'aria-label': label,
        onKeydown: (e: KeyboardEvent) => this.keydown(e),
        onPointerdown: (e: PointerEvent) => this.pointerdown(e),
        onPointermove: (e: PointerEvent) => this.pointermove(e),
        onPointerup: () => this.release(),
        onPointercancel: () => this.release(),
        onLostpointercapture: () => this.release(),
      },
      rowEls,
    );
    this.el = h(
      'div',
      { class: 'grid', style: `--rows:${rows};--cols:${cols}`, 'data-keep-clear': '' },
      this.svg,
      this.surface,
    );
    this.setCursor([0, 0]);
  }

  get cursor(): Cell {
    return this.cursorCell;
  }

  cellElement(cell: Cell): HTMLDivElement | undefined {
    return this.cells[cell[0]]?.[cell[1]];
  }

  setCursor(cell: Cell): void {
    this.cellElement(this.cursorCell)?.classList.remove('cursor');
    this.cursorCell = cell;
    const el = this.cellElement(cell);
    el?.classList.add('cursor');
    if (el) this.surface.setAttribute('aria-activedescendant', el.id);
  }

  /** The grid's accessible name, e.g. after a language change. */
  setLabel(label: string): void {
    this.surface.setAttribute('aria-label', label);
  }

  focus(): void {
    this.surface.focus();
  }

  /** Draws the dots and lines and labels every cell. */
  draw(p: GridPicture): void {
    const lineOf = new Map<string, string>();
    for (const [color, cells] of p.lines ?? []) for (const c of cells) lineOf.set(`${c[0]},${c[1]}`, color);
    const dotOf = new Map<string, string>();
    for (const d of p.dots) dotOf.set(`${d.row},${d.col}`, d.color);

    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.cols; c++) {
        const el = this.cells[r]?.[c];
        if (!el) continue;
        const key = `${r},${c}`;
        const dot = dotOf.get(key);
        const line = lineOf.get(key);
        const parts = [t('cell.label', { row: r + 1, col: c + 1 })];
        if (dot !== undefined) parts.push(t('cell.dot', { color: colorLabel(dot) }));
        if (line !== undefined && line !== dot) parts.push(t('cell.path', { color: colorLabel(line) }));
        el.setAttribute('aria-label', parts.join(', '));
        setData(el, 'dot', dot);
        setData(el, 'line', line);
        const isError = p.errorCell != null && p.errorCell[0] === r && p.errorCell[1] === c;
        el.classList.toggle('error', isError);
        if (isError) el.setAttribute('aria-invalid', 'true');
        else el.removeAttribute('aria-invalid');
      }
    }

    const tints = [];
    const strokes = [];
    for (const [color, cells] of p.lines ?? []) {
      for (const c of cells)
        tints.push(s('rect', { class: 'tint', x: c[1], y: c[0], width: 1, height: 1, fill: color }));
      if (cells.length > 1) {
        const points = cells.map((c) => `${c[1] + 0.5},${c[0] + 0.5}`).join(' ');
        strokes.push(s('polyline', { class: 'line', points, stroke: color }));
      }
    }
    const dots = p.dots.map((d) =>
      s('circle', {
        class: d.color === p.active ? 'dot active' : 'dot',
        cx: d.col + 0.5,
        cy: d.row + 0.5,
        r: 0.32,
        fill: d.color,
      }),
    );
    this.svg.replaceChildren(...tints, ...strokes, ...dots);
    this.el.classList.toggle('solved', p.solved === true);
  }

  /** Marks a cell as the place a rule was broken, for a moment. */
  flashViolation(cell: Cell): void {
    for (const row of this.cells) for (const el of row) el.removeAttribute('data-violation');
    const el = this.cellElement(cell);
    if (!el) return;
    el.setAttribute('data-violation', '');
    window.clearTimeout(this.violationTimer);
    this.violationTimer = window.setTimeout(() => el.removeAttribute('data-violation'), 1500);
  }

  private cellAt(e: PointerEvent): Cell | null {
    const rect = this.surface.getBoundingClientRect();
    const col = Math.floor(((e.clientX - rect.left) / rect.width) * this.cols);
    const row = Math.floor(((e.clientY - rect.top) / rect.height) * this.rows);
    if (row < 0 || col < 0 || row >= this.rows || col >= this.cols) return null;
    return [row, col];
  }

  private pointerdown(e: PointerEvent): void {
    if (e.button !== 0) return;
    const cell = this.cellAt(e);
    if (cell === null) return;
    // Keep getting moves when the pointer leaves the grid mid-drag (and on
    // touch screens, where the press would otherwise scroll the page).
    this.surface.setPointerCapture?.(e.pointerId);
    this.surface.focus({ preventScroll: true });
    e.preventDefault();
    this.pressed = true;
    this.lastDrag = cell;
    this.setCursor(cell);
    this.handlers.onPress?.(cell, 'pointer');
  }

  private pointermove(e: PointerEvent): void {
    if (!this.pressed) return;
    const cell = this.cellAt(e);
    if (cell === null || (this.lastDrag && cell[0] === this.lastDrag[0] && cell[1] === this.lastDrag[1])) return;
    this.lastDrag = cell;
    this.handlers.onDrag?.(cell);
  }

  private release(): void {
    if (!this.pressed) return;
    this.pressed = false;
    this.lastDrag = null;
    this.handlers.onRelease?.();
  }

  private keydown(e: KeyboardEvent): void {
    const moves: Record<string, Cell> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const delta = moves[e.key];
    if (delta && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      const from = this.cursorCell;
      const to: Cell = [from[0] + delta[0], from[1] + delta[1]];
      if (to[0] < 0 || to[1] < 0 || to[0] >= this.rows || to[1] >= this.cols) return;
      if (!this.handlers.onArrow?.(from, to)) this.setCursor(to);
      return;
    }
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.handlers.onPress?.(this.cursorCell, 'keyboard');
      return;
    }
    if (this.handlers.onKey?.(e)) e.preventDefault();
  }
}

function setData(el: HTMLElement, name: string, value: string | undefined): void {
  if (value === undefined) el.removeAttribute(`data-${name}`);
  else el.setAttribute(`data-${name}`, value);
}
