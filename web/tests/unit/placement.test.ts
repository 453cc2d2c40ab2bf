import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { GAP_PX, toastCorner } from '../../src/placement';

const rect = (left: number, top: number, w: number, h: number) => ({ left, top, right: left + w, bottom: top + h });
const VW = 1280;
const VH = 860;
const HEADER = 51;

describe('where toasts go', () => {
  test('bottom right when nothing there is to be kept clear', () => {
    assert.deepEqual(toastCorner([rect(80, 100, 300, 300)], 384, 80, VW, VH, HEADER), {
      left: VW - GAP_PX - 384,
      top: VH - GAP_PX - 80,
    });
  });

  test('away from a Delete button at the bottom right: top right, under the header', () => {
    const del = rect(1080, 800, 120, 40);
    assert.deepEqual(toastCorner([del], 384, 80, VW, VH, HEADER), { left: VW - GAP_PX - 384, top: HEADER + GAP_PX });
  });

  test('the corner that covers least when every corner covers something', () => {
    // A phone: the grid fills the width; the actions are at the bottom.
    const grid = rect(16, 140, 358, 358);
    const actions = rect(16, 780, 358, 50);
    const at = toastCorner([grid, actions], 358, 70, 390, 844, 0);
    // The stack is as wide as the window: the top (above the grid) is free.
    assert.deepEqual(at, { left: 390 - GAP_PX - 358, top: GAP_PX });
    // Scrolled down: the grid's bottom at the top, Delete at the bottom; the
    // toasts go in between.
    const between = toastCorner([rect(16, -290, 320, 320), rect(16, 700, 358, 50)], 358, 150, 390, 844, 0);
    assert.deepEqual(between, { left: 390 - GAP_PX - 358, top: 30 + GAP_PX });
    const tall = toastCorner([rect(0, 0, 390, 600), actions], 358, 70, 390, 844, 0);
    assert.equal(tall.top, 600 + GAP_PX, 'just under the grid, above the actions');
    // Nowhere is free and every place covers as much: the first, bottom right.
    const full = toastCorner([rect(0, 0, 390, 760), rect(0, 760, 390, 84)], 358, 70, 390, 844, 0);
    assert.deepEqual(full, { left: 390 - GAP_PX - 358, top: 844 - GAP_PX - 70 });
  });
});
