import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  History,
  NO_LINES,
  checkSegments,
  clearColor,
  fromSegments,
  grab,
  head,
  isJoined,
  isNeighbour,
  isSolved,
  joinedCount,
  lineAt,
  sameLines,
  step,
  stepToward,
  toSegments,
  type Lines,
  type PuzzleBoard,
} from '../../src/path';
import type { Cell } from '../../src/types';

const R = '#ff0000';
const G = '#00ff00';
const B = '#0000ff';

// R . R
// . . .
// G . G      (and B on the right column of a 4-row board below)
const board: PuzzleBoard = {
  rows: 3,
  cols: 3,
  dots: [
    { row: 0, col: 0, color: R },
    { row: 0, col: 2, color: R },
    { row: 2, col: 0, color: G },
    { row: 2, col: 2, color: G },
  ],
};

function draw(b: PuzzleBoard, from: Cell, ...cells: Cell[]): Lines {
  const g = grab(b, NO_LINES, from);
  assert.ok(g.ok);
  let lines = g.lines;
  for (const c of cells) {
    const r = step(b, lines, g.color, c);
    assert.ok(r.ok, `step to ${c.join(',')}`);
    lines = r.lines;
  }
  return lines;
}

function drawMore(b: PuzzleBoard, lines: Lines, from: Cell, ...cells: Cell[]): Lines {
  const g = grab(b, lines, from);
  assert.ok(g.ok);
  let out = g.lines;
  for (const c of cells) {
    const r = step(b, out, g.color, c);
    assert.ok(r.ok, `step to ${c.join(',')}`);
    out = r.lines;
  }
  return out;
}

describe('neighbours', () => {
  test('orthogonal only', () => {
    assert.equal(isNeighbour([1, 1], [0, 1]), true);
    assert.equal(isNeighbour([1, 1], [1, 2]), true);
    assert.equal(isNeighbour([1, 1], [2, 2]), false);
    assert.equal(isNeighbour([1, 1], [1, 1]), false);
    assert.equal(isNeighbour([1, 1], [1, 3]), false);
  });
});

describe('grab', () => {
  test('a dot starts its colour', () => {
    const g = grab(board, NO_LINES, [0, 0]);
    assert.ok(g.ok);
    assert.equal(g.color, R);
    assert.deepEqual(g.lines.get(R), [[0, 0]]);
  });

  test('an empty cell grabs nothing', () => {
    assert.deepEqual(grab(board, NO_LINES, [1, 1]), { ok: false });
  });

  test('a cell inside a line cuts the line back to it', () => {
    const lines = draw(board, [0, 0], [1, 0], [1, 1], [1, 2]);
    const g = grab(board, lines, [1, 0]);
    assert.ok(g.ok);
    assert.deepEqual(g.lines.get(R), [
      [0, 0],
      [1, 0],
    ]);
  });

  test('the end of a line keeps it whole', () => {
    const lines = draw(board, [0, 0], [0, 1]);
    const g = grab(board, lines, [0, 1]);
    assert.ok(g.ok);
    assert.equal(g.lines, lines);
  });

  test('the other dot of a colour starts it over from there', () => {
    const lines = draw(board, [0, 0], [0, 1]);
    const g = grab(board, lines, [0, 2]);
    assert.ok(g.ok);
    assert.deepEqual(g.lines.get(R), [[0, 2]]);
  });
});

describe('step', () => {
  test('joins a colour through orthogonal neighbours', () => {
    const lines = draw(board, [0, 0], [0, 1], [0, 2]);
    assert.equal(isJoined(board, R, lines.get(R)), true);
    assert.deepEqual(head(lines, R), [0, 2]);
  });

  test('rejects a cell that is not next to the end', () => {
    const lines = draw(board, [0, 0]);
    const r = step(board, lines, R, [1, 1]);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.violation, 'notAdjacent');
  });

  test('rejects entering another colour’s dot', () => {
    const lines = draw(board, [0, 0], [1, 0]);
    const r = step(board, lines, R, [2, 0]);
    assert.deepEqual(r, { ok: false, violation: 'foreignDot', cell: [2, 0], other: G });
  });

  test('rejects crossing another line', () => {
    let lines = draw(board, [0, 0], [1, 0], [1, 1]);
    lines = drawMore(board, lines, [2, 2], [1, 2]);
    const r = step(board, lines, G, [1, 1]);
    assert.deepEqual(r, { ok: false, violation: 'crossing', cell: [1, 1], other: R });
  });

  test('a joined line takes no more steps', () => {
    const lines = draw(board, [0, 0], [0, 1], [0, 2]);
    const r = step(board, lines, R, [1, 2]);
    assert.equal(!r.ok && r.violation, 'alreadyConnected');
  });

  test('stepping back onto the line shortens it', () => {
    const lines = draw(board, [0, 0], [0, 1], [1, 1]);
    const r = step(board, lines, R, [0, 1]);
    assert.ok(r.ok);
    assert.deepEqual(r.lines.get(R), [
      [0, 0],
      [0, 1],
    ]);
  });

  test('stepping off the board is refused', () => {
    const lines = draw(board, [0, 0]);
    const r = step(board, lines, R, [-1, 0]);
    assert.equal(!r.ok && r.violation, 'outside');
  });

  test('moves never change the previous value', () => {
    const before = draw(board, [0, 0]);
    const r = step(board, before, R, [0, 1]);
    assert.ok(r.ok);
    assert.deepEqual(before.get(R), [[0, 0]]);
  });
});

describe('stepToward (fast drags)', () => {
  test('walks the skipped cells of a row', () => {
    const lines = draw(board, [0, 0]);
    const r = stepToward(board, lines, R, [0, 2]);
    assert.equal(r.problem, null);
    assert.deepEqual(r.lines.get(R), [
      [0, 0],
      [0, 1],
      [0, 2],
    ]);
  });

  test('keeps the good steps and reports the first broken rule', () => {
    const wide: PuzzleBoard = {
      rows: 1,
      cols: 5,
      dots: [
        { row: 0, col: 0, color: R },
        { row: 0, col: 4, color: R },
        { row: 0, col: 3, color: G },
      ],
    };
    const r = stepToward(wide, draw(wide, [0, 0]), R, [0, 4]);
    assert.deepEqual(r.lines.get(R), [
      [0, 0],
      [0, 1],
      [0, 2],
    ]);
    assert.equal(r.problem?.violation, 'foreignDot');
  });

  test('a diagonal jump does nothing', () => {
    const lines = draw(board, [0, 0]);
    const r = stepToward(board, lines, R, [1, 1]);
    assert.equal(r.lines, lines);
    assert.equal(r.problem?.violation, 'notAdjacent');
  });

  test('walks back along the line', () => {
    const lines = draw(board, [0, 0], [0, 1], [0, 2]);
    const g = grab(board, lines, [0, 2]);
    assert.ok(g.ok);
    const r = stepToward(board, g.lines, R, [0, 0]);
    assert.deepEqual(r.lines.get(R), [[0, 0]]);
  });
});

describe('solved', () => {
  test('complete when every colour is joined', () => {
    let lines = draw(board, [0, 0], [0, 1], [0, 2]);
    assert.equal(isSolved(board, lines), false);
    assert.equal(joinedCount(board, lines), 1);
    lines = drawMore(board, lines, [2, 0], [2, 1], [2, 2]);
    assert.equal(isSolved(board, lines), true);
    assert.equal(joinedCount(board, lines), 2);
  });

  test('a line from a dot back to the same dot is not joined', () => {
    assert.equal(isJoined(board, R, [[0, 0]]), false);
  });

  test('clearing a colour', () => {
    const lines = draw(board, [0, 0], [0, 1]);
    assert.equal(clearColor(lines, R).has(R), false);
    assert.equal(clearColor(lines, G), lines);
  });

  test('which line covers a cell', () => {
    const lines = draw(board, [0, 0], [0, 1]);
    assert.equal(lineAt(lines, [0, 1]), R);
    assert.equal(lineAt(lines, [1, 1]), undefined);
  });
});

describe('segments', () => {
  test('one-cell lines are not sent, colours in board order', () => {
    let lines = draw(board, [2, 0], [2, 1]);
    lines = drawMore(board, lines, [0, 0]);
    assert.deepEqual(toSegments(board, lines), [
      {
        color: G,
        cells: [
          [2, 0],
          [2, 1],
        ],
      },
    ]);
    lines = drawMore(board, lines, [0, 0], [0, 1]);
    assert.deepEqual(
      toSegments(board, lines).map((s) => s.color),
      [R, G],
    );
  });

  test('round trip through the wire format', () => {
    const lines = draw(board, [0, 0], [0, 1], [0, 2]);
    const back = fromSegments(toSegments(board, lines));
    assert.equal(sameLines(board, lines, back), true);
    assert.equal(sameLines(board, lines, NO_LINES), false);
  });

  test('saved colours in upper case are read in lower case', () => {
    const lines = fromSegments([
      {
        color: '#FF0000',
        cells: [
          [0, 0],
          [0, 1],
        ],
      },
    ]);
    assert.deepEqual(lines.get(R), [
      [0, 0],
      [0, 1],
    ]);
  });
});

describe('the contract’s path rules', () => {
  const ok = (segments: Parameters<typeof checkSegments>[1]) => checkSegments(board, segments);

  test('a valid, unfinished path', () => {
    assert.equal(
      ok([
        {
          color: R,
          cells: [
            [0, 0],
            [1, 0],
          ],
        },
      ]),
      null,
    );
  });

  test('at least one segment', () => {
    assert.deepEqual(ok([]), { field: 'segments', rule: 'empty' });
  });

  test('colours of the board only, once each', () => {
    assert.equal(ok([{ color: B, cells: [[0, 0]] }])?.rule, 'unknownColor');
    assert.deepEqual(
      ok([
        { color: R, cells: [[0, 0]] },
        { color: R, cells: [[0, 2]] },
      ]),
      { field: 'segments[1].color', rule: 'duplicateColor' },
    );
  });

  test('cells inside, orthogonal, never twice', () => {
    assert.deepEqual(
      ok([
        {
          color: R,
          cells: [
            [0, 0],
            [0, 3],
          ],
        },
      ]),
      { field: 'segments[0].cells[1]', rule: 'outside' },
    );
    assert.deepEqual(
      ok([
        {
          color: R,
          cells: [
            [0, 0],
            [1, 1],
          ],
        },
      ]),
      { field: 'segments[0].cells[1]', rule: 'notAdjacent' },
    );
    assert.deepEqual(
      ok([
        {
          color: R,
          cells: [
            [0, 0],
            [1, 0],
            [1, 1],
          ],
        },
        {
          color: G,
          cells: [
            [2, 2],
            [2, 1],
            [1, 1],
          ],
        },
      ]),
      { field: 'segments[1].cells[2]', rule: 'overlap' },
    );
  });

  test('starts on its own dot and never enters another colour’s dot', () => {
    assert.deepEqual(
      ok([
        {
          color: R,
          cells: [
            [1, 0],
            [0, 0],
          ],
        },
      ]),
      { field: 'segments[0].cells[0]', rule: 'badStart' },
    );
    assert.deepEqual(
      ok([
        {
          color: R,
          cells: [
            [0, 0],
            [1, 0],
            [2, 0],
          ],
        },
      ]),
      { field: 'segments[0].cells[2]', rule: 'foreignDot' },
    );
  });

  test('an empty segment', () => {
    assert.equal(ok([{ color: R, cells: [] }])?.rule, 'emptySegment');
  });

  test('whatever the moves build passes the rules', () => {
    let lines = draw(board, [0, 0], [1, 0], [1, 1], [1, 2], [0, 2]);
    lines = drawMore(board, lines, [2, 2], [2, 1], [2, 0]);
    assert.equal(checkSegments(board, toSegments(board, lines)), null);
    assert.equal(isSolved(board, lines), true);
  });
});

describe('history', () => {
  test('undo returns earlier values, newest first', () => {
    const h = new History(2);
    const a = draw(board, [0, 0]);
    const b = draw(board, [0, 0], [0, 1]);
    const c = draw(board, [0, 0], [0, 1], [0, 2]);
    h.push(a);
    h.push(b);
    h.push(c);
    assert.equal(h.size, 2);
    assert.equal(h.pop(), c);
    assert.equal(h.pop(), b);
    assert.equal(h.pop(), undefined);
  });
});
