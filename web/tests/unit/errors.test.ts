import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ApiError, parseRetryAfter } from '../../src/api';
import { describeError } from '../../src/errors';
import { LANGS } from '../../src/i18n';
import type { BoardDraft } from '../../src/types';

// Errors as the server sends them (code, English message, field), so the
// tests also show that the English message never reaches the user.
const err = (status: number, code: string, field?: string, retryAfter?: number) =>
  new ApiError(status, code, `server text for ${code}`, field, retryAfter);

const draft: BoardDraft = {
  name: 'Board',
  rows: 5,
  cols: 5,
  dots: [
    { row: 0, col: 0, color: '#e6194b' },
    { row: 0, col: 1, color: '#e6194b' },
    { row: 1, col: 0, color: '#e6194b' },
    { row: 2, col: 2, color: '#3cb44b' },
    { row: 6, col: 1, color: '#4363d8' },
    { row: 2, col: 2, color: '#4363d8' },
  ],
};

describe('what a failed request tells the user', () => {
  test('a wrong password is not an ended session, in both languages', () => {
    assert.equal(describeError('en', err(401, 'invalid_credentials')), 'Wrong username or password.');
    assert.equal(describeError('pl', err(401, 'invalid_credentials')), 'Nieprawidłowa nazwa użytkownika lub hasło.');
    assert.equal(describeError('en', err(401, 'invalid_token')), 'Your session has ended; sign in again.');
    assert.equal(describeError('en', err(401, 'authentication_required')), 'Your session has ended; sign in again.');
  });

  test('accounts: taken, too short, bad characters, password length', () => {
    assert.equal(
      describeError('en', err(409, 'username_taken', 'username'), { username: 'alice' }),
      'The username “alice” is taken. Choose another one.',
    );
    assert.equal(
      describeError('pl', err(409, 'username_taken', 'username'), { username: 'alice' }),
      'Nazwa „alice” jest już zajęta. Wybierz inną.',
    );
    assert.equal(
      describeError('en', err(400, 'invalid_username', 'username'), { username: 'al' }),
      'A username has 3 to 32 characters.',
    );
    assert.equal(
      describeError('en', err(400, 'invalid_username', 'username'), { username: 'al ice' }),
      'A username may only contain letters A–Z, digits and _ . -',
    );
    assert.equal(
      describeError('pl', err(400, 'invalid_password', 'password'), { password: 'short' }),
      'Hasło jest za krótkie: musi mieć co najmniej 8 znaków.',
    );
    assert.equal(
      describeError('en', err(400, 'invalid_password', 'password'), { password: 'x'.repeat(129) }),
      'The password is too long: at most 128 bytes.',
    );
  });

  test('rate limit and a busy server say when to come back', () => {
    assert.equal(
      describeError('en', err(429, 'too_many_attempts', undefined, 42)),
      'Too many sign-in attempts. Try again in 42 s.',
    );
    assert.equal(
      describeError('pl', err(429, 'too_many_attempts', undefined, 42)),
      'Zbyt wiele prób logowania. Spróbuj ponownie za 42 s.',
    );
    assert.equal(
      describeError('en', err(429, 'too_many_attempts')),
      'Too many sign-in attempts. Wait a minute and try again.',
    );
    for (const code of ['busy', 'unavailable', 'at_capacity', 'database_unavailable']) {
      assert.equal(describeError('en', err(503, code, undefined, 3)), 'The server is busy. Try again in 3 s.');
      assert.equal(describeError('pl', err(503, code)), 'Serwer jest zajęty. Spróbuj ponownie za chwilę.');
    }
  });

  test('no answer at all is a network problem', () => {
    assert.equal(
      describeError('en', new ApiError(0, 'network', 'network error')),
      'Cannot reach the server. Check the connection and try again.',
    );
  });

  test('board fields name their cause, colours in words', () => {
    const d = (field: string, lang: 'en' | 'pl' = 'en', dd: BoardDraft = draft) =>
      describeError(lang, err(400, 'invalid_board', field), { draft: dd });
    assert.equal(d('name', 'en', { ...draft, name: '   ' }), 'Give the board a name.');
    assert.equal(
      d('name', 'en', { ...draft, name: 'x'.repeat(120) }),
      'A board name has at most 100 characters; this one has 120.',
    );
    assert.equal(
      d('name', 'en', { ...draft, name: 'a\tb' }),
      'A board name cannot contain control characters such as tabs or line breaks.',
    );
    assert.equal(d('rows'), 'Rows and columns must be whole numbers from 2 to 50.');
    assert.equal(d('dots', 'pl'), 'Plansza potrzebuje co najmniej jednego koloru: postaw dwie jego kropki.');
    // Too many dots of one colour (dots[2] is red's third), one dot of a colour.
    assert.equal(d('dots[2].color'), 'The red colour has 3 dots; every colour needs exactly two.');
    assert.equal(
      d('dots[2].color', 'pl'),
      'Kolor czerwony ma za dużo kropek (3); każdy kolor potrzebuje dokładnie dwóch.',
    );
    assert.equal(d('dots[3].color'), 'The green colour has only one dot; every colour needs exactly two.');
    assert.equal(d('dots[4]'), 'The dot in row 7, column 2 is outside the 5 × 5 grid.');
    assert.equal(d('dots[5]', 'pl'), 'Dwie kropki stoją na tej samej komórce: wiersz 3, kolumna 3.');
  });

  test('the server’s English message and hex codes never show, in any language', () => {
    const cases: [ApiError, object][] = [
      [err(400, 'invalid_board', 'dots[2].color'), { draft }],
      [err(400, 'invalid_board', 'dots[9]'), { draft }],
      [err(400, 'invalid_board'), {}],
      [err(400, 'invalid_path', 'segments[0].cells[2]'), { segments: [{ color: '#123456', cells: [] }] }],
      [err(403, 'not_creator'), {}],
      [err(403, 'origin_mismatch'), {}],
      [err(404, 'not_found'), {}],
      [err(413, 'payload_too_large'), {}],
      [err(500, 'internal'), {}],
      [err(400, 'invalid_json'), {}],
      [err(502, 'http_502'), {}],
    ];
    for (const lang of LANGS) {
      for (const [e, ctx] of cases) {
        const text = describeError(lang, e, ctx);
        assert.ok(!text.includes('server text'), `${lang} ${e.code}: ${text}`);
        assert.ok(!/#[0-9a-f]{6}/i.test(text), `${lang} ${e.code}: ${text}`);
        assert.ok(!text.includes('{'), `${lang} ${e.code}: unfilled placeholder in ${text}`);
      }
    }
    assert.equal(
      describeError('pl', err(400, 'invalid_path', 'segments[0].cells[2]'), {
        segments: [{ color: '#123456', cells: [] }],
      }),
      'Linia (kolor: ciemnoniebieski) nie pasuje do obecnej planszy. Wczytaj planszę ponownie i spróbuj jeszcze raz.',
    );
    assert.equal(describeError('pl', err(403, 'not_creator')), 'Tylko autor planszy może ją edytować.');
    assert.equal(describeError('en', err(400, 'invalid_json')), 'The server refused the request (code: invalid_json).');
  });

  test('Retry-After is read in whole seconds only', () => {
    assert.equal(parseRetryAfter('5'), 5);
    assert.equal(parseRetryAfter(' 12 '), 12);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT'), undefined);
  });
});
