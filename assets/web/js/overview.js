// The overview rule every Place client shares (common/src/palette.c, place_block_color): the one
// colour to draw for a block of pixels shown as one when zoomed out. The block's most common
// colour (from at most 8 x 8 evenly spread pixels), unless another colour fills at least one
// whole row or column of it (a 1-pixel line crossing the block), then the line colour that
// differs most from the most common one, so thin lines on a uniform ground stay visible at
// whole-canvas zoom.

import { COLORS } from './protocol.js';

// rgb: COLORS [r, g, b]; idx: palette indices, `stride` a row. Returns -1 for an empty block.
export function blockColor(idx, stride, x0, y0, x1, y1, rgb) {
  if (x0 >= x1 || y0 >= y1) return -1;
  const hist = new Array(COLORS).fill(0);
  const line = new Array(COLORS).fill(false);
  const w = x1 - x0;
  // the most common colour, judged from at most 8 x 8 evenly spread pixels (as in C)
  const sx = Math.ceil(w / 8);
  const sy = Math.ceil((y1 - y0) / 8);
  for (let y = y0; y < y1; y += sy) for (let x = x0; x < x1; x += sx) hist[idx[y * stride + x] & 15]++;
  const colFirst = new Uint8Array(w);
  const colSame = new Uint8Array(w);
  for (let y = y0; y < y1; y++) {
    const row = y * stride;
    const first = idx[row + x0] & 15;
    let same = true;
    for (let x = x0; x < x1; x++) {
      const c = idx[row + x] & 15;
      if (c !== first) same = false;
      const k = x - x0;
      if (y === y0) {
        colFirst[k] = c;
        colSame[k] = 1;
      } else if (c !== colFirst[k]) {
        colSame[k] = 0;
      }
    }
    if (same && w >= 2) line[first] = true; // a one-pixel-wide block has no lines to keep
  }
  if (y1 - y0 >= 2) for (let k = 0; k < w; k++) if (colSame[k]) line[colFirst[k]] = true;
  let dominant = 0;
  for (let i = 1; i < COLORS; i++) if (hist[i] > hist[dominant]) dominant = i;
  let best = dominant;
  let bestGap = 0;
  const [dr, dg, db] = rgb[dominant];
  for (let i = 0; i < COLORS; i++) {
    if (i === dominant || !line[i]) continue;
    const [r, g, b] = rgb[i];
    const gap = 3 * (r - dr) ** 2 + 4 * (g - dg) ** 2 + 2 * (b - db) ** 2;
    if (gap > bestGap) {
      bestGap = gap;
      best = i;
    }
  }
  return best;
}
