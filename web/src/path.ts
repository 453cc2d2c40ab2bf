// The play view's model: the user's lines on a board, the moves that change
// them, and the contract's path rules. Pure and immutable: every move returns
// a new Lines value, which makes undo a stack of old values.

import { inside } from './grid';
import type { Cell, Dot, Segment } from './types';

export interface PuzzleBoard {
  rows: number;
  cols: number;
  dots: readonly Dot[];
}

/** The user's lines, one per colour, each starting on one of its dots. */
export type Lines = ReadonlyMap<string, readonly Cell[]>;

export const NO_LINES: Lines = new Map();

export type Violation = 'crossing' | 'foreignDot' | 'notAdjacent' | 'alreadyConnected' | 'outside';

/** A move that breaks a rule: which rule, where, and the other colour
 * involved (the line crossed, the dot entered). */
export interface Problem {
  violation: Violation;
  cell: Cell;
  other?: string;
}

export type MoveResult = { ok: true; lines: Lines } | ({ ok: false } & Problem);

export function sameCell(a: Cell, b: Cell): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

export function isNeighbour(a: Cell, b: Cell): boolean {
  return Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) === 1;
}

export function boardColors(board: PuzzleBoard): string[] {
  const seen: string[] = [];
  for (const d of board.dots) if (!seen.includes(d.color)) seen.push(d.color);
  return seen;
}

export function dotAtCell(board: PuzzleBoard, cell: Cell): Dot | undefined {
  return board.dots.find((d) => d.row === cell[0] && d.col === cell[1]);
}

function isDotOf(board: PuzzleBoard, color: string, cell: Cell): boolean {
  const d = dotAtCell(board, cell);
  return d !== undefined && d.color === color;
}

/** The colour of the line that covers a cell, if any. */
export function lineAt(lines: Lines, cell: Cell): string | undefined {
  for (const [color, cells] of lines) if (cells.some((c) => sameCell(c, cell))) return color;
  return undefined;
}

export function head(lines: Lines, color: string): Cell | undefined {
  const cells = lines.get(color);
  return cells === undefined ? undefined : cells[cells.length - 1];
}

/** A line joins its colour's two dots. */
export function isJoined(board: PuzzleBoard, color: string, cells: readonly Cell[] | undefined): boolean {
  if (cells === undefined || cells.length < 2) return false;
  const first = cells[0];
  const last = cells[cells.length - 1];
  return (
    first !== undefined &&
    last !== undefined &&
    !sameCell(first, last) &&
    isDotOf(board, color, first) &&
    isDotOf(board, color, last)
  );
}

/** Every colour of the board is joined: the contract's `complete`. */
export function isSolved(board: PuzzleBoard, lines: Lines): boolean {
  const colors = boardColors(board);
  return colors.length > 0 && colors.every((c) => isJoined(board, c, lines.get(c)));
}

export function joinedCount(board: PuzzleBoard, lines: Lines): number {
  return boardColors(board).filter((c) => isJoined(board, c, lines.get(c))).length;
}

function withLine(lines: Lines, color: string, cells: readonly Cell[]): Lines {
  const next = new Map(lines);
  next.set(color, cells);
  return next;
}

export function clearColor(lines: Lines, color: string): Lines {
  if (!lines.has(color)) return lines;
  const next = new Map(lines);
  next.delete(color);
  return next;
}

/** What pressing on a cell picks up, before any drawing. */
export type Grab = { ok: true; color: string; lines: Lines } | { ok: false };

/**
 * Pressing on a cell: the end of a line keeps that line; any other cell of a
 * line cuts the line back to it; a dot not on a line starts its colour over
 * from that dot.
 */
export function grab(board: PuzzleBoard, lines: Lines, cell: Cell): Grab {
  const owner = lineAt(lines, cell);
  if (owner !== undefined) {
    const cells = lines.get(owner) ?? [];
    const at = cells.findIndex((c) => sameCell(c, cell));
    if (at === cells.length - 1) return { ok: true, color: owner, lines };
    return { ok: true, color: owner, lines: withLine(lines, owner, cells.slice(0, at + 1)) };
  }
  const dot = dotAtCell(board, cell);
  if (dot !== undefined) return { ok: true, color: dot.color, lines: withLine(lines, dot.color, [cell]) };
  return { ok: false };
}

/**
 * Moves the end of `color`'s line onto a neighbouring cell: stepping back onto
 * the line shortens it; any other step must keep the contract's rules (no
 * crossing, no other colour's dot), and a joined line takes no more steps.
 */
export function step(board: PuzzleBoard, lines: Lines, color: string, cell: Cell): MoveResult {
  const cells = lines.get(color);
  const end = cells?.[cells.length - 1];
  if (cells === undefined || end === undefined) return { ok: false, violation: 'notAdjacent', cell };
  if (!inside(board.rows, board.cols, cell[0], cell[1])) return { ok: false, violation: 'outside', cell };
  if (!isNeighbour(end, cell)) return { ok: false, violation: 'notAdjacent', cell };

  const back = cells.findIndex((c) => sameCell(c, cell));
  if (back >= 0) return { ok: true, lines: withLine(lines, color, cells.slice(0, back + 1)) };

  if (isJoined(board, color, cells)) return { ok: false, violation: 'alreadyConnected', cell, other: color };
  const dot = dotAtCell(board, cell);
  if (dot !== undefined && dot.color !== color) return { ok: false, violation: 'foreignDot', cell, other: dot.color };
  const owner = lineAt(lines, cell);
  if (owner !== undefined) return { ok: false, violation: 'crossing', cell, other: owner };
  return { ok: true, lines: withLine(lines, color, [...cells, cell]) };
}

/**
 * A drag can skip cells when the pointer moves fast. Along a row or column the
 * skipped cells are walked one step at a time (stopping at the first broken
 * rule); a diagonal jump is left for the next pointer move.
 */
export function stepToward(
  board: PuzzleBoard,
  lines: Lines,
  color: string,
  target: Cell,
): { lines: Lines; problem: Problem | null } {
  const end = head(lines, color);
  if (end === undefined || (end[0] !== target[0] && end[1] !== target[1])) {
    return { lines, problem: { violation: 'notAdjacent', cell: target } };
  }
  let current = lines;
  let at: Cell = end;
  while (!sameCell(at, target)) {
    const next: Cell = [at[0] + Math.sign(target[0] - at[0]), at[1] + Math.sign(target[1] - at[1])];
    const r = step(board, current, color, next);
    if (!r.ok) {
      const { ok: _ok, ...problem } = r;
      return { lines: current, problem };
    }
    current = r.lines;
    at = next;
  }
  return { lines: current, problem: null };
}

/** The lines as the contract's `segments`: lines of one cell say nothing, so
 * they are left out; colours in board order so saves are stable. */
export function toSegments(board: PuzzleBoard, lines: Lines): Segment[] {
  const out: Segment[] = [];
  for (const color of boardColors(board)) {
    const cells = lines.get(color);
    if (cells !== undefined && cells.length >= 2) out.push({ color, cells: cells.map((c) => [c[0], c[1]] as const) });
  }
  return out;
}

export function fromSegments(segments: readonly Segment[]): Lines {
  const lines = new Map<string, readonly Cell[]>();
  for (const s of segments)
    lines.set(
      s.color.toLowerCase(),
      s.cells.map((c) => [c[0], c[1]] as const),
    );
  return lines;
}

/** Two sets of lines save to the same segments. */
export function sameLines(board: PuzzleBoard, a: Lines, b: Lines): boolean {
  return JSON.stringify(toSegments(board, a)) === JSON.stringify(toSegments(board, b));
}

export interface PathProblem {
  field: string;
  rule:
    | 'empty'
    | 'unknownColor'
    | 'duplicateColor'
    | 'emptySegment'
    | 'outside'
    | 'notAdjacent'
    | 'overlap'
    | 'badStart'
    | 'foreignDot';
}

/**
 * The contract's path rules, first problem first, with the field named the
 * way the server names it. The app only ever builds valid lines; this checks
 * a saved path against a board that may have changed since it was saved.
 */
export function checkSegments(board: PuzzleBoard, segments: readonly Segment[]): PathProblem | null {
  if (segments.length === 0) return { field: 'segments', rule: 'empty' };
  const colors = boardColors(board);
  const seenColors = new Set<string>();
  const seenCells = new Set<string>();
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s === undefined) continue;
    const color = s.color.toLowerCase();
    if (!colors.includes(color)) return { field: `segments[${i}].color`, rule: 'unknownColor' };
    if (seenColors.has(color)) return { field: `segments[${i}].color`, rule: 'duplicateColor' };
    seenColors.add(color);
    const first = s.cells[0];
    if (first === undefined) return { field: `segments[${i}].cells`, rule: 'emptySegment' };
    for (let j = 0; j < s.cells.length; j++) {
      const c = s.cells[j];
      if (c === undefined) continue;
      const field = `segments[${i}].cells[${j}]`;
      if (!inside(board.rows, board.cols, c[0], c[1])) return { field, rule: 'outside' };
      const prev = s.cells[j - 1];
      if (prev !== undefined && !isNeighbour(prev, c)) return { field, rule: 'notAdjacent' };
      const key = `${c[0]},${c[1]}`;
      if (seenCells.has(key)) return { field, rule: 'overlap' };
      seenCells.add(key);
      const dot = dotAtCell(board, c);
      if (j === 0 && !(dot !== undefined && dot.color === color)) return { field, rule: 'badStart' };
      if (dot !== undefined && dot.color !== color) return { field, rule: 'foreignDot' };
    }
  }
  return null;
}

/** Undo history: a bounded stack of earlier Lines values. */
export class History {
  private readonly past: Lines[] = [];

  constructor(private readonly limit = 1000) {}

  push(lines: Lines): void {
    this.past.push(lines);
    if (this.past.length > this.limit) this.past.shift();
  }

  pop(): Lines | undefined {
    return this.past.pop();
  }

  get size(): number {
    return this.past.length;
  }

  clear(): void {
    this.past.length = 0;
  }
}
