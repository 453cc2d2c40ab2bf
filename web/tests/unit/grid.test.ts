import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  colorsOf,
  countColor,
  fieldTarget,
  inside,
  isValidSide,
  nextColor,
  orderedDots,
  parseSide,
  placeDot,
  removeDot,
  resizeDots,
  startColor,
} from '../../src/grid';
import { PALETTE, paletteEntry } from '../../src/palette';
import type { Dot } from '../../src/types';

const RED = '#e6194b';
const GREEN = '#3cb44b';
const BLUE = '#4363d8';
const palette = [RED, GREEN, BLUE];

describe('sides', () => {
  test('the contract allows integers from 2 to 50', () => {
    assert.equal(isValidSide(2), true);
    assert.equal(isValidSide(50), true);
    assert.equal(isValidSide(1), false);
    assert.equal(isValidSide(51), false);
    assert.equal(isValidSide(2.5), false);
  });

  test('form text parses only to valid sides', () => {
    assert.equal(parseSide(' 7 '), 7);
    assert.equal(parseSide('50'), 50);
    assert.equal(parseSide('51'), null);
    assert.equal(parseSide('1'), null);
    assert.equal(parseSide('5.5'), null);
    assert.equal(parseSide('-3'), null);
    assert.equal(parseSide(''), null);
    assert.equal(parseSide('1e1'), null);
  });

  test('inside the grid', () => {
    assert.equal(inside(3, 4, 0, 0), true);
    assert.equal(inside(3, 4, 2, 3), true);
    assert.equal(inside(3, 4, 3, 0), false);
    assert.equal(inside(3, 4, 0, 4), false);
    assert.equal(inside(3, 4, -1, 0), false);
  });
});

describe('placing dots', () => {
  test('two dots per colour on empty cells', () => {
    let dots: Dot[] = [];
    const a = placeDot(dots, 3, 3, 0, 0, RED);
    assert.ok(a.ok);
    dots = a.dots;
    const b = placeDot(dots, 3, 3, 0, 0, GREEN);
    assert.deepEqual(b, { ok: false, reason: 'occupied' });
    const c = placeDot(dots, 3, 3, 2, 2, RED);
    assert.ok(c.ok);
    dots = c.dots;
    assert.deepEqual(placeDot(dots, 3, 3, 1, 1, RED), { ok: false, reason: 'colorFull' });
    assert.deepEqual(placeDot(dots, 3, 3, 3, 1, GREEN), { ok: false, reason: 'outside' });
    assert.equal(countColor(dots, RED), 2);
  });

  test('placing does not change the old array', () => {
    const dots: Dot[] = [{ row: 0, col: 0, color: RED }];
    const r = placeDot(dots, 2, 2, 1, 1, RED);
    assert.ok(r.ok);
    assert.equal(dots.length, 1);
    assert.equal(r.dots.length, 2);
  });

  test('removing a dot', () => {
    const dots: Dot[] = [
      { row: 0, col: 0, color: RED },
      { row: 1, col: 1, color: RED },
    ];
    assert.deepEqual(removeDot(dots, 1, 1), [{ row: 0, col: 0, color: RED }]);
    assert.deepEqual(removeDot(dots, 2, 2), dots);
  });

  test('the next colour after a pair is the first unused one', () => {
    const one: Dot[] = [{ row: 0, col: 0, color: RED }];
    assert.equal(nextColor(one, palette, RED), RED);
    const pair: Dot[] = [...one, { row: 0, col: 1, color: RED }];
    assert.equal(nextColor(pair, palette, RED), GREEN);
    const all: Dot[] = [
      ...pair,
      { row: 1, col: 0, color: GREEN },
      { row: 1, col: 1, color: GREEN },
      { row: 2, col: 0, color: BLUE },
      { row: 2, col: 1, color: BLUE },
    ];
    assert.equal(nextColor(all, palette, BLUE), BLUE);
  });

  test('colours in order of first appearance', () => {
    assert.deepEqual(
      colorsOf([
        { row: 0, col: 0, color: BLUE },
        { row: 0, col: 1, color: RED },
        { row: 0, col: 2, color: BLUE },
      ]),
      [BLUE, RED],
    );
  });
});

describe('resizing', () => {
  test('dots outside the new size are dropped and counted', () => {
    const dots: Dot[] = [
      { row: 0, col: 0, color: RED },
      { row: 4, col: 4, color: RED },
      { row: 1, col: 2, color: GREEN },
    ];
    const r = resizeDots(dots, 3, 3);
    assert.equal(r.dropped, 1);
    assert.deepEqual(r.dots, [dots[0], dots[2]]);
  });
});

describe('sending and errors', () => {
  test('dots are sent row by row so error indices find their cell', () => {
    const dots: Dot[] = [
      { row: 2, col: 0, color: RED },
      { row: 0, col: 1, color: GREEN },
      { row: 0, col: 0, color: RED },
    ];
    assert.deepEqual(
      orderedDots(dots).map((d) => [d.row, d.col]),
      [
        [0, 0],
        [0, 1],
        [2, 0],
      ],
    );
  });

  test('error fields map to parts of the form', () => {
    assert.deepEqual(fieldTarget('name'), { kind: 'name' });
    assert.deepEqual(fieldTarget('rows'), { kind: 'rows' });
    assert.deepEqual(fieldTarget('cols'), { kind: 'cols' });
    assert.deepEqual(fieldTarget('dots'), { kind: 'dots' });
    assert.deepEqual(fieldTarget('dots[2].color'), { kind: 'dot', index: 2 });
    assert.deepEqual(fieldTarget('dots[10]'), { kind: 'dot', index: 10 });
    assert.deepEqual(fieldTarget('dots[0].row'), { kind: 'dot', index: 0 });
    assert.deepEqual(fieldTarget(undefined), { kind: 'form' });
    assert.deepEqual(fieldTarget('something'), { kind: 'form' });
  });
});

describe('palette', () => {
  test('about ten distinct lower-case #rrggbb colours', () => {
    assert.ok(PALETTE.length >= 10);
    const colors = PALETTE.map((p) => p.color);
    assert.equal(new Set(colors).size, colors.length);
    for (const c of colors) assert.match(c, /^#[0-9a-f]{6}$/);
  });

  test('lookup ignores case', () => {
    assert.equal(paletteEntry('#E6194B')?.name, 'color.red');
    assert.equal(paletteEntry('#000000'), undefined);
  });
});

describe('the colour to start with', () => {
  test('a half-placed pair first, then an unused colour', () => {
    assert.equal(startColor([], palette), RED);
    const redPair: Dot[] = [
      { row: 0, col: 0, color: RED },
      { row: 0, col: 1, color: RED },
    ];
    assert.equal(startColor(redPair, palette), GREEN);
    assert.equal(startColor([...redPair, { row: 1, col: 0, color: BLUE }], palette), BLUE);
  });
});
