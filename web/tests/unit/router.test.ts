import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { href, parseRoute } from '../../src/router';

describe('hash routes', () => {
  test('the pages of the app', () => {
    assert.deepEqual(parseRoute(''), { name: 'boards' });
    assert.deepEqual(parseRoute('#/'), { name: 'boards' });
    assert.deepEqual(parseRoute('#/boards'), { name: 'boards' });
    assert.deepEqual(parseRoute('#/boards/7'), { name: 'play', id: 7 });
    assert.deepEqual(parseRoute('#/boards/7/edit'), { name: 'edit', id: 7 });
    assert.deepEqual(parseRoute('#/new'), { name: 'new' });
    assert.deepEqual(parseRoute('#/signin'), { name: 'signin', next: null });
    assert.deepEqual(parseRoute('#/signup?next=%23%2Fnew'), { name: 'signup', next: '#/new' });
  });

  test('anything else is not found', () => {
    for (const h of [
      '#/boards/0',
      '#/boards/abc',
      '#/boards/7/play',
      '#/boards/7/edit/x',
      '#/nothing',
      '#/new/x',
      '#main',
    ]) {
      assert.deepEqual(parseRoute(h), { name: 'notFound' }, h);
    }
  });

  test('a sign-in only returns to a route of the app', () => {
    assert.deepEqual(parseRoute('#/signin?next=https%3A%2F%2Fexample.org'), { name: 'signin', next: null });
  });

  test('links parse back to their routes', () => {
    assert.deepEqual(parseRoute(href.play(12)), { name: 'play', id: 12 });
    assert.deepEqual(parseRoute(href.edit(12)), { name: 'edit', id: 12 });
    assert.deepEqual(parseRoute(href.signin(href.edit(3))), { name: 'signin', next: '#/boards/3/edit' });
  });
});
