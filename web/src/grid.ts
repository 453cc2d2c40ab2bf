// The board editor's model: dots on a rows × cols grid. Pure functions over
// immutable arrays, so the editor view can keep old states and the tests need
// no DOM.

import type { Dot } from './types';

export const MIN_SIDE = 2;
export const MAX_SIDE = 50;

/** A side length the contract accepts (an integer from 2 to 50). */
export function isValidSide(n: number): boolean {
  return Number.isInteger(n) && n >= MIN_SIDE && n <= MAX_SIDE;
}

/** A side typed into a form field, or null when it is not a valid side. */
export function parseSide(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const n = Number(trimmed);
  return isValidSide(n) ? n : null;
}

export function inside(rows: number, cols: number, row: number, col: number): boolean {
  return Number.isInteger(row) && Number.isInteger(col) && row >= 0 && col >= 0 && row < rows && col < cols;
}

export function dotAt(dots: readonly Dot[], row: number, col: number): Dot | undefined {
  return dots.find((d) => d.row === row && d.col === col);
}

export function countColor(dots: readonly Dot[], color: string): number {
  return dots.reduce((n, d) => (d.color === color ? n + 1 : n), 0);
}

/** Colours in the order they first appear. */
export function colorsOf(dots: readonly Dot[]): string[] {
  const seen: string[] = [];
  for (const d of dots) if (!seen.includes(d.color)) seen.push(d.color);
  return seen;
}

export type PlaceResult = { ok: true; dots: Dot[] } | { ok: false; reason: 'occupied' | 'colorFull' | 'outside' };

/** Puts a dot of `color` on an empty cell; a colour takes exactly two dots. */
export function placeDot(
  dots: readonly Dot[],
  rows: number,
  cols: number,
  row: number,
  col: number,
  color: string,
): PlaceResult {
  if (!inside(rows, cols, row, col)) return { ok: false, reason: 'outside' };
  if (dotAt(dots, row, col)) return { ok: false, reason: 'occupied' };
  if (countColor(dots, color) >= 2) return { ok: false, reason: 'colorFull' };
  return { ok: true, dots: [...dots, { row, col, color }] };
}

export function removeDot(dots: readonly Dot[], row: number, col: number): Dot[] {
  return dots.filter((d) => !(d.row === row && d.col === col));
}

/** The dots that still fit after a resize, and how many fell off. */
export function resizeDots(dots: readonly Dot[], rows: number, cols: number): { dots: Dot[]; dropped: number } {
  const kept = dots.filter((d) => inside(rows, cols, d.row, d.col));
  return { dots: kept, dropped: dots.length - kept.length };
}

/** After a colour gets its second dot, the editor moves on to the first
 * colour of the palette that has none yet, so placing pairs is two clicks
 * each; it stays put when the current colour still needs a dot. */
export function nextColor(dots: readonly Dot[], palette: readonly string[], current: string): string {
  if (countColor(dots, current) < 2) return current;
  return palette.find((c) => countColor(dots, c) === 0) ?? current;
}

/** The colour to start with on a loaded board: one whose pair is half
 * placed, else the first unused one. */
export function startColor(dots: readonly Dot[], palette: readonly string[]): string {
  return (
    palette.find((c) => countColor(dots, c) === 1) ??
    palette.find((c) => countColor(dots, c) === 0) ??
    palette[0] ??
    '#000000'
  );
}

/** Dots in a stable order (row-major) for sending, so that a server error
 * about `dots[i]` can be traced back to a cell. */
export function orderedDots(dots: readonly Dot[]): Dot[] {
  return [...dots].sort((a, b) => a.row - b.row || a.col - b.col);
}

/** Where a server validation error belongs in the editor form. */
export type FieldTarget = { kind: 'name' | 'rows' | 'cols' | 'dots' | 'form' } | { kind: 'dot'; index: number };

/** Maps the error's `field` ("name", "dots[2].color", …) to a form part. */
export function fieldTarget(field: string | undefined): FieldTarget {
  if (field === undefined || field === '') return { kind: 'form' };
  if (field === 'name' || field === 'rows' || field === 'cols' || field === 'dots') return { kind: field };
  const m = /^dots\[(\d+)\]/.exec(field);
  if (m?.[1] !== undefined) return { kind: 'dot', index: Number(m[1]) };
  return { kind: 'form' };
}
