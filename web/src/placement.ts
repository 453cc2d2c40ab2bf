// Where the toasts go: pure geometry, so the rule can be tested without a
// browser. notifier.ts measures the page and applies the result.

/** Room between the toasts or the panel and the window's edges or the header. */
export const GAP_PX = 12;

export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
  const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Where a stack of toasts `w` × `h` goes in a `vw` × `vh` window whose top
 * `top` pixels are the header: the first place that covers none of `keep`,
 * trying the corners first (bottom right, top right, bottom left, top left),
 * then the right and left edges just below or above each kept part (the
 * gap between a grid and the buttons under it, say); when every place
 * covers something, the one that covers the least. Pure, for the tests.
 */
export function toastCorner(
  keep: readonly Rect[],
  w: number,
  h: number,
  vw: number,
  vh: number,
  top: number,
): { left: number; top: number } {
  const minTop = top + GAP_PX;
  const maxTop = Math.max(minTop, vh - GAP_PX - h);
  const clamp = (y: number): number => Math.min(maxTop, Math.max(minTop, y));
  const right = Math.max(GAP_PX, vw - GAP_PX - w);
  const xs = [right, GAP_PX];
  const places = [
    { left: right, top: maxTop },
    { left: right, top: minTop },
    { left: GAP_PX, top: maxTop },
    { left: GAP_PX, top: minTop },
  ];
  for (const x of xs)
    for (const k of keep)
      places.push({ left: x, top: clamp(k.bottom + GAP_PX) }, { left: x, top: clamp(k.top - GAP_PX - h) });
  let best = places[0] ?? { left: GAP_PX, top: minTop };
  let bestCovered = Infinity;
  for (const c of places) {
    const r = { left: c.left, top: c.top, right: c.left + w, bottom: c.top + h };
    const covered = keep.reduce((sum, k) => sum + overlap(r, k), 0);
    if (covered < bestCovered) {
      best = c;
      bestCovered = covered;
      if (covered === 0) break;
    }
  }
  return best;
}
