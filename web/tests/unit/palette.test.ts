import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { LANGS } from '../../src/i18n';
import { PALETTE, colorName } from '../../src/palette';

describe('colours in words', () => {
  test('the palette’s own names, in both languages', () => {
    assert.equal(colorName('en', '#e6194b'), 'red');
    assert.equal(colorName('pl', '#E6194B'), 'czerwony');
    assert.equal(colorName('pl', '#469990'), 'morski');
  });

  test('any other colour is named by hue and lightness, never by hex code', () => {
    assert.equal(colorName('en', '#123456'), 'dark blue');
    assert.equal(colorName('pl', '#123456'), 'ciemnoniebieski');
    assert.equal(colorName('en', '#ff0000'), 'red');
    assert.equal(colorName('en', '#006400'), 'dark green');
    assert.equal(colorName('pl', '#90ee90'), 'jasnozielony');
    assert.equal(colorName('en', '#808080'), 'grey');
    assert.equal(colorName('en', '#000000'), 'black');
    assert.equal(colorName('pl', '#ffffff'), 'biały');
    assert.equal(colorName('en', '#8b4513'), 'brown');
    assert.equal(colorName('en', '#ffa500'), 'orange');
    assert.equal(colorName('en', '#800080'), 'dark magenta');
    assert.equal(colorName('en', '#6a0dad'), 'purple');
    assert.equal(colorName('en', 'not a colour'), 'unnamed colour');
    for (const lang of LANGS)
      for (let i = 0; i < 4096; i += 7) {
        const hex = `#${(i * 4099).toString(16).padStart(6, '0').slice(-6)}`;
        const name = colorName(lang, hex);
        assert.ok(!name.includes('#') && !name.includes('{') && name.length > 0, `${lang} ${hex}: ${name}`);
      }
  });

  test('every palette colour has a distinct name', () => {
    for (const lang of LANGS) {
      const names = PALETTE.map((p) => colorName(lang, p.color));
      assert.equal(new Set(names).size, names.length);
    }
  });
});
