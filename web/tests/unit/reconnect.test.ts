import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { MAX_RETRY_BASE_MS, RETRY_MS, reconnectDelay } from '../../src/reconnect';

/** A seeded generator (an LCG), so the spread below is the same every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('the wait before the stream is reopened', () => {
  test('a dropped stream waits from the retry hint to twice it', () => {
    assert.equal(RETRY_MS, 3000);
    assert.equal(reconnectDelay(0, () => 0), 3000);
    assert.equal(reconnectDelay(0, () => 0.5), 4500);
    assert.equal(reconnectDelay(0, () => 0.999999), 6000);
  });

  test('each refusal in a row doubles the window, up to its cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 10].map((n) => reconnectDelay(n, () => 0)),
      [6000, 12000, MAX_RETRY_BASE_MS, MAX_RETRY_BASE_MS, MAX_RETRY_BASE_MS],
    );
    assert.equal(reconnectDelay(10, () => 0.999999), 2 * MAX_RETRY_BASE_MS);
  });

  test('the waits of many pages spread over the whole window', () => {
    const random = seeded(42);
    const delays = Array.from({ length: 1000 }, () => reconnectDelay(0, random));
    assert.ok(delays.every((d) => d >= 3000 && d <= 6000), 'every wait is inside the window');
    // A tenth of the window per bucket: each holds some of the 1000 pages
    // (about 100 each), none holds them all.
    const buckets = new Array<number>(10).fill(0);
    for (const d of delays) buckets[Math.min(9, Math.floor((d - 3000) / 300))]! += 1;
    assert.ok(
      buckets.every((n) => n > 50 && n < 150),
      `spread: ${buckets.join(', ')}`,
    );
  });

  test('the injected random source decides the wait', () => {
    assert.notEqual(reconnectDelay(0, () => 0.1), reconnectDelay(0, () => 0.9));
    const first = seeded(7);
    const again = seeded(7);
    const waits = Array.from({ length: 5 }, () => reconnectDelay(0, first));
    assert.deepEqual(
      Array.from({ length: 5 }, () => reconnectDelay(0, again)),
      waits,
    );
    assert.ok(new Set(waits).size > 1, `not all the same: ${waits.join(', ')}`);
  });
});
