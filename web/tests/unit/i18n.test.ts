import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { currentLang, dictionaryKeys, parseLang, setCurrentLang, t, translate } from '../../src/i18n';
import { formatAge } from '../../src/time';

describe('i18n', () => {
  test('both languages have the same keys', () => {
    assert.deepEqual(dictionaryKeys('pl').sort(), dictionaryKeys('en').sort());
  });

  test('English is the default and the fallback', () => {
    assert.equal(parseLang(null), 'en');
    assert.equal(parseLang('de'), 'en');
    assert.equal(parseLang('pl'), 'pl');
    assert.equal(currentLang(), 'en');
  });

  test('placeholders are filled; missing ones stay visible', () => {
    assert.equal(translate('en', 'boards.size', { rows: 5, cols: 7 }), '5 × 7');
    assert.equal(translate('en', 'boards.size', { rows: 5 }), '5 × {cols}');
  });

  test('the current language switches texts', () => {
    setCurrentLang('pl');
    assert.equal(t('nav.boards'), 'Plansze');
    setCurrentLang('en');
    assert.equal(t('nav.boards'), 'Boards');
  });

  test('every text keeps the placeholders of its English original', () => {
    for (const key of dictionaryKeys('en')) {
      const names = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      const k = key as Parameters<typeof translate>[1];
      assert.deepEqual(names(translate('pl', k)), names(translate('en', k)), key);
    }
  });
});

describe('ages', () => {
  const now = new Date('2026-11-26T12:00:00Z');

  test('in English', () => {
    assert.equal(formatAge('2026-11-26T12:00:00Z', now, 'en'), 'now');
    assert.equal(formatAge('2026-11-26T11:55:00Z', now, 'en'), '5 minutes ago');
    assert.equal(formatAge('2026-11-26T09:00:00Z', now, 'en'), '3 hours ago');
    assert.equal(formatAge('2026-11-25T12:00:00Z', now, 'en'), 'yesterday');
  });

  test('in Polish', () => {
    assert.equal(formatAge('2026-11-26T11:55:00Z', now, 'pl'), '5 minut temu');
    assert.equal(formatAge('2026-11-26T11:58:00Z', now, 'pl'), '2 minuty temu');
  });

  test('a clock slightly ahead reads as now; garbage as nothing', () => {
    assert.equal(formatAge('2026-11-26T12:00:05Z', now, 'en'), 'now');
    assert.equal(formatAge('not a date', now, 'en'), '');
  });
});
