import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  RESUME_WINDOW_MS,
  countsAsUnread,
  eventBoardId,
  eventText,
  isCreator,
  parseLiveEvent,
  resumePoint,
  wantsToast,
} from '../../src/events';

const newBoard = () =>
  parseLiveEvent('newBoard', '42', '{"board_id": 1, "board_name": "Nowa Plansza", "creator_username": "admin"}');

describe('parsing stream messages', () => {
  test('a newBoard event of the contract', () => {
    assert.deepEqual(newBoard(), {
      id: 42,
      name: 'newBoard',
      data: { board_id: 1, board_name: 'Nowa Plansza', creator_username: 'admin' },
    });
  });

  test('newPath and pathUpdated', () => {
    const p = parseLiveEvent(
      'newPath',
      '7',
      JSON.stringify({ path_id: 3, board_id: 1, board_name: 'B', user_username: 'graczY' }),
    );
    assert.equal(p?.name, 'newPath');
    const u = parseLiveEvent(
      'pathUpdated',
      '8',
      JSON.stringify({ path_id: 3, board_id: 1, board_name: 'B', user_username: 'graczY', complete: true }),
    );
    assert.ok(u && u.name === 'pathUpdated' && u.data.complete === true);
  });

  test('anything malformed is dropped', () => {
    assert.equal(parseLiveEvent('newBoard', '', '{"board_id":1,"board_name":"x","creator_username":"a"}'), null);
    assert.equal(parseLiveEvent('newBoard', 'x', '{"board_id":1,"board_name":"x","creator_username":"a"}'), null);
    assert.equal(parseLiveEvent('newBoard', '1', 'not json'), null);
    assert.equal(parseLiveEvent('newBoard', '1', '{"board_id":"1","board_name":"x","creator_username":"a"}'), null);
    assert.equal(parseLiveEvent('newBoard', '1', '{"board_id":1,"board_name":"x"}'), null);
    assert.equal(parseLiveEvent('newPath', '1', '{"board_id":1,"board_name":"x","user_username":"a"}'), null);
    assert.equal(parseLiveEvent('somethingElse', '1', '{"board_id":1,"board_name":"x","creator_username":"a"}'), null);
  });
});

describe('texts', () => {
  test('English by default wording', () => {
    const ev = newBoard();
    assert.ok(ev);
    assert.equal(eventText('en', ev), 'User admin created a new board: Nowa Plansza.');
  });

  test('the course’s Polish sentences', () => {
    const ev = newBoard();
    assert.ok(ev);
    assert.equal(eventText('pl', ev), 'Użytkownik admin utworzył nową planszę: Nowa Plansza.');
    const p = parseLiveEvent(
      'newPath',
      '9',
      JSON.stringify({ path_id: 3, board_id: 1, board_name: 'Plansza testowa', user_username: 'graczY' }),
    );
    assert.ok(p);
    assert.equal(eventText('pl', p), 'Użytkownik graczY zapisał ścieżkę na planszy: Plansza testowa.');
    assert.equal(eventText('en', p), 'User graczY saved a path on board: Plansza testowa.');
  });

  test('names that look like placeholders are shown as they are', () => {
    const ev = parseLiveEvent(
      'newBoard',
      '1',
      JSON.stringify({ board_id: 1, board_name: '{user}', creator_username: '{board}' }),
    );
    assert.ok(ev);
    assert.equal(eventText('en', ev), 'User {board} created a new board: {user}.');
  });

  test('update, delete and re-save events have texts too', () => {
    const upd = parseLiveEvent(
      'boardUpdated',
      '1',
      JSON.stringify({ board_id: 1, board_name: 'B', creator_username: 'a' }),
    );
    const del = parseLiveEvent(
      'boardDeleted',
      '2',
      JSON.stringify({ board_id: 1, board_name: 'B', creator_username: 'a' }),
    );
    const solved = parseLiveEvent(
      'pathUpdated',
      '3',
      JSON.stringify({ path_id: 1, board_id: 1, board_name: 'B', user_username: 'c', complete: true }),
    );
    assert.ok(upd && del && solved);
    assert.equal(eventText('en', upd), 'User a changed the board: B.');
    assert.equal(eventText('en', del), 'User a deleted the board: B.');
    assert.equal(eventText('en', solved), 'User c solved the board: B.');
  });
});

describe('toasts and links', () => {
  test('no toast about one’s own action, nor for re-saved paths', () => {
    const ev = newBoard();
    assert.ok(ev);
    assert.equal(wantsToast(ev, 'someone'), true);
    assert.equal(wantsToast(ev, null), true);
    assert.equal(wantsToast(ev, 'Admin'), false);
    const u = parseLiveEvent(
      'pathUpdated',
      '8',
      JSON.stringify({ path_id: 3, board_id: 1, board_name: 'B', user_username: 'x', complete: false }),
    );
    assert.ok(u);
    assert.equal(wantsToast(u, 'someone'), false);
  });

  test('a deleted board leads nowhere', () => {
    const ev = newBoard();
    const del = parseLiveEvent(
      'boardDeleted',
      '2',
      JSON.stringify({ board_id: 5, board_name: 'B', creator_username: 'a' }),
    );
    assert.ok(ev && del);
    assert.equal(eventBoardId(ev), 1);
    assert.equal(eventBoardId(del), null);
  });

  test('creators are compared regardless of case', () => {
    assert.equal(isCreator('AutorX', 'autorx'), true);
    assert.equal(isCreator('autorX', 'other'), false);
    assert.equal(isCreator('autorX', null), false);
  });
});

describe('resuming after a reload', () => {
  const now = 1_800_000_000_000;

  test('a recent position is resumed', () => {
    assert.equal(resumePoint(JSON.stringify({ id: 42, at: now - 5000 }), now), 42);
  });

  test('an old, missing or broken one is not', () => {
    assert.equal(resumePoint(JSON.stringify({ id: 42, at: now - RESUME_WINDOW_MS - 1 }), now), 0);
    assert.equal(resumePoint(JSON.stringify({ id: 42, at: now + 60_000 }), now), 0);
    assert.equal(resumePoint(null, now), 0);
    assert.equal(resumePoint('nonsense', now), 0);
    assert.equal(resumePoint(JSON.stringify({ id: -1, at: now }), now), 0);
    assert.equal(resumePoint(JSON.stringify({ id: 3 }), now), 0);
  });
});

describe('the unread count', () => {
  test('one’s own actions do not count; others’ and a reset do', () => {
    const ev = newBoard();
    assert.ok(ev);
    assert.equal(countsAsUnread(ev, 'admin'), false);
    assert.equal(countsAsUnread(ev, 'ADMIN'), false, 'usernames compare regardless of case');
    assert.equal(countsAsUnread(ev, 'graczY'), true);
    assert.equal(countsAsUnread(ev, null), true);
    assert.equal(countsAsUnread(null, 'admin'), true);
    const own = parseLiveEvent(
      'pathUpdated',
      '8',
      JSON.stringify({ path_id: 3, board_id: 1, board_name: 'B', user_username: 'graczY', complete: true }),
    );
    assert.ok(own);
    assert.equal(countsAsUnread(own, 'graczy'), false);
    assert.equal(countsAsUnread(own, 'admin'), true);
  });
});
