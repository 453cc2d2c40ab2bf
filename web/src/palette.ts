// The editor's colours: distinct on light and dark backgrounds, lower-case
// #rrggbb because the server stores colours lower-case and compares them as
// strings.

import { t, type MessageKey } from './i18n';

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

/** The palette entry of a colour, if it is one of ours (boards made through
 * the API may use any colour). */
export function paletteEntry(color: string): PaletteColor | undefined {
  const c = color.toLowerCase();
  return PALETTE.find((p) => p.color === c);
}

/** A colour's name for people: the palette's word, or the hex code. */
export function colorLabel(color: string): string {
  const entry = paletteEntry(color);
  return entry ? t(entry.name) : color.toLowerCase();
}
