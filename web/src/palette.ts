// The editor's colours and the words for colours. The palette is distinct
// on light and dark backgrounds, lower-case #rrggbb because the server
// stores colours lower-case and compares them as strings. People never read
// a hex code: a colour outside the palette (boards made through the API
// may use any) is named by its hue and lightness.

import { currentLang, translate, type Lang, type MessageKey } from './i18n';

export interface PaletteColor {
  color: string;
  name: MessageKey;
}

export const PALETTE: readonly PaletteColor[] = [
  { color: '#e6194b', name: 'color.red' },
  { color: '#3cb44b', name: 'color.green' },
  { color: '#4363d8', name: 'color.blue' },
  { color: '#ffe119', name: 'color.yellow' },
  { color: '#f58231', name: 'color.orange' },
  { color: '#911eb4', name: 'color.purple' },
  { color: '#42d4f4', name: 'color.cyan' },
  { color: '#f032e6', name: 'color.magenta' },
  { color: '#bfef45', name: 'color.lime' },
  { color: '#9a6324', name: 'color.brown' },
  { color: '#469990', name: 'color.teal' },
  { color: '#fabed4', name: 'color.pink' },
];

/** The palette entry of a colour, if it is one of ours. */
export function paletteEntry(color: string): PaletteColor | undefined {
  const c = color.toLowerCase();
  return PALETTE.find((p) => p.color === c);
}

interface Hsl {
  h: number; // 0–360
  s: number; // 0–1
  l: number; // 0–1
}

function toHsl(color: string): Hsl | null {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return null;
  const [r, g, b] = [m[1], m[2], m[3]].map((x) => parseInt(x ?? '0', 16) / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  const d = max - min;
  if (d === 0) return { h: 0, s: 0, l };
  const s = d / (1 - Math.abs(2 * l - 1));
  let h: number;
  if (max === r) h = ((g - b) / d) % 6;
  else if (max === g) h = (b - r) / d + 2;
  else h = (r - g) / d + 4;
  return { h: (h * 60 + 360) % 360, s, l };
}

type Shade = 'light' | 'dark' | null;

/** The word and shade for a colour outside the palette. */
function describeHue(color: string): { base: MessageKey; shade: Shade } | null {
  const c = toHsl(color);
  if (!c) return null;
  const { h, s, l } = c;
  if (l < 0.1) return { base: 'color.black', shade: null };
  if (l > 0.94) return { base: 'color.white', shade: null };
  const shade: Shade = l > 0.7 ? 'light' : l < 0.3 ? 'dark' : null;
  if (s < 0.15) return { base: 'color.grey', shade };
  if (h < 15 || h >= 345) return l > 0.7 ? { base: 'color.pink', shade: null } : { base: 'color.red', shade };
  if (h < 45) return l < 0.4 ? { base: 'color.brown', shade: null } : { base: 'color.orange', shade };
  if (h < 70) return l < 0.35 ? { base: 'color.brown', shade: null } : { base: 'color.yellow', shade };
  if (h < 90) return { base: 'color.lime', shade };
  if (h < 160) return { base: 'color.green', shade };
  if (h < 200) return { base: 'color.cyan', shade };
  if (h < 255) return { base: 'color.blue', shade };
  if (h < 290) return { base: 'color.purple', shade };
  if (h < 320) return { base: 'color.magenta', shade };
  return l > 0.6 ? { base: 'color.pink', shade: null } : { base: 'color.magenta', shade };
}

/** A colour in words in `lang`: the palette's name, else the nearest hue
 * ("dark green", "ciemnozielony"); never the hex code. */
export function colorName(lang: Lang, color: string): string {
  const entry = paletteEntry(color);
  if (entry) return translate(lang, entry.name);
  const d = describeHue(color);
  if (!d) return translate(lang, 'color.unknown');
  const base = translate(lang, d.base);
  if (d.shade === null) return base;
  return translate(lang, d.shade === 'light' ? 'color.light' : 'color.dark', { color: base });
}

/** A colour in words in the current language. */
export function colorLabel(color: string): string {
  return colorName(currentLang(), color);
}
