// The browser's template rules (assets/web/js/template.js) under Node, and that they are the
// C clients' (common/include/place/template.h, common/src/front.c): the same thresholds, limits
// and styles.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  Template, nearestColor, NONE, ALPHA_MIN, MAX_PIXELS, STYLES,
} from '../../assets/web/js/template.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PALETTE = ['#FFFFFF', '#E4E4E4', '#888888', '#222222', '#FFA7D1', '#E50000', '#E59500', '#A06A42',
  '#E5D900', '#94E044', '#02BE01', '#00D3DD', '#0083C7', '#0000EA', '#CF6EE4', '#820080'];
const RGB = PALETTE.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));

function rgba(pixels) {
  return Uint8Array.from(pixels.flat());
}

test('the same thresholds, limits and styles as the C clients', () => {
  const h = fs.readFileSync(path.join(root, 'common/include/place/template.h'), 'utf8');
  assert.match(h, new RegExp(`PLACE_TEMPLATE_ALPHA_MIN ${ALPHA_MIN}\\b`));
  assert.equal(MAX_PIXELS, (4 << 20));
  assert.match(h, /PLACE_TEMPLATE_MAX_PIXELS \(4u << 20\)/);
  const front = fs.readFileSync(path.join(root, 'common/src/front.c'), 'utf8');
  for (const s of STYLES) {
    assert.ok(front.includes(`{${Math.round(s.opacity * 100)}, ${s.dots ? 1 : 0}, "${s.name}"}`), s.name);
  }
});

test('colours map to the nearest palette colour; transparent pixels are don\'t care', () => {
  const t = new Template(rgba([[250, 10, 10, 255], [0, 0, 0, 255], [5, 5, 230, 200], [9, 9, 9, ALPHA_MIN - 1]]), 2, 2, RGB);
  assert.deepEqual([...t.px], [5, 3, 13, NONE]);
  assert.equal(t.cared, 3);
  assert.equal(nearestColor(0, 131, 199, RGB), 12);
});

test('refuses empty, huge and invisible pictures, and says where it would not fit', () => {
  assert.throws(() => new Template(new Uint8Array(0), 0, 0, RGB), /empty/);
  assert.throws(() => new Template(new Uint8Array(0), 4096, 1025, RGB), /megapixels/);
  assert.throws(() => new Template(new Uint8Array(16), 2, 2, RGB), /no opaque pixel/);
  const t = new Template(rgba(Array(12).fill([0, 0, 0, 255])), 4, 3, RGB, 6, 7);
  assert.equal(t.check(10, 10), null);
  assert.match(t.check(3, 10), /larger than the canvas/);
  t.x = 7;
  assert.match(t.check(10, 10), /reaches past the canvas \(10x10\): place it at 0,0 to 6,7/);
});

test('the count follows the canvas and n finds the nearest differing pixel', () => {
  const red = [229, 0, 0, 255];
  const t = new Template(rgba([red, red, red, red, [0, 0, 0, 0], red]), 3, 2, RGB, 2, 1);
  const canvas = new Uint8Array(8 * 4);
  const colorOf = (i) => canvas[i];
  canvas[1 * 8 + 2] = 5;
  t.recount(colorOf, 8);
  assert.equal(t.progress(), '1 of 5 pixels match');
  canvas[2 * 8 + 4] = 5;
  t.updateAt(colorOf, 8, 4, 2);
  assert.equal(t.match, 2);
  canvas[2 * 8 + 3] = 5; // don't care
  t.updateAt(colorOf, 8, 3, 2);
  assert.equal(t.match, 2);
  assert.deepEqual(t.nextWrong(7, 3), { x: 4, y: 1 });
  assert.deepEqual(t.nextWrong(0, 3), { x: 2, y: 2 });
  assert.deepEqual(t.nextWrong(3, 0), { x: 3, y: 1 });
  canvas.fill(5);
  t.recount(colorOf, 8);
  assert.equal(t.nextWrong(0, 0), null);
  const big = new Template(rgba([red]), 1, 1, RGB);
  big.match = 3412;
  big.cared = 5000;
  assert.equal(big.progress(), '3,412 of 5,000 pixels match');
});
