// The browser's templates (docs/templates.md) in headless Chromium: the PNG comes from another
// loopback origin that allows CORS (and one that does not: a clear error), the page's address
// carries it (#template=URL&tx=X&ty=Y); the overlay and the dots are read from screenshots, the
// match count from the page, and n then Enter counts one more.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pngFromRows, hexRgba, servePng } from '../server/lib/png.js';
import path from 'node:path';
import { snapshotWhere, templatePng as template } from '../lib/harness.js';
import { nextFrame, shotsDir } from './lib/browser.js';
import { webHarness } from './lib/harness.js';
import { decodePng, hexToRgb, sameColor } from './lib/png.js';

const h = webHarness();
const server = () => h.server(['--cooldown', '0', '--batch-ms', '50']);

// One screenshot; at(x, y, fx, fy) is the screen colour at fraction (fx, fy) inside canvas
// pixel (x, y), by the page's current view.
async function shot(page, file) {
  const png = decodePng(await page.screenshot(file ? { path: path.join(shotsDir(), file) } : {}));
  const v = await page.evaluate(() => {
    const r = document.getElementById('board').getBoundingClientRect();
    const o = window.place.view.canvasToScreen(0, 0);
    const one = window.place.view.canvasToScreen(1, 1);
    return { left: r.left + o.x, top: r.top + o.y, z: one.x - o.x };
  });
  return {
    at: (x, y, fx = 0.5, fy = 0.5) => png.rgb(Math.round(v.left + (x + fx) * v.z), Math.round(v.top + (y + fy) * v.z)),
  };
}

const progress = (page) => page.locator('#template-text').textContent();
const waitProgress = (page, text) => page.waitForFunction(
  (t) => document.getElementById('template-text').textContent.includes(t), text, { timeout: 8000 });
const waitToast = (page, text) => page.waitForFunction(
  (t) => document.getElementById('toast').textContent.includes(t), text, { timeout: 8000 });

function mix(a, b, alpha) {
  const [x, y] = [hexToRgb(a), hexToRgb(b)];
  return x.map((v, i) => Math.round(v * alpha + y[i] * (1 - alpha)));
}

test('a template from another origin via the address: overlay, o, n then Enter, dots, live count', async () => {
  const srv = await server();
  const files = await servePng({ '/t.png': template() });
  h.defer(() => files.close());
  const other = await h.client(srv);
  assert.equal((await other.placeAndWait(10, 5, 5, 'a')).type, 'placed');
  assert.equal((await other.placeAndWait(13, 6, 12, 'b')).type, 'placed');

  const tmplUrl = `${files.url}/t.png`;
  const { context, page } = await h.open(
    `${srv.url}/#x=12&y=6&z=20&template=${encodeURIComponent(tmplUrl)}&tx=10&ty=5`);
  h.defer(() => context.close());
  await waitProgress(page, '2 of 10 pixels match');
  assert.equal(await progress(page), 'Template: 2 of 10 pixels match');

  // 50% of the template over the canvas; don't-care pixels and outside it: the canvas alone
  const over = await shot(page, 'template-overlay.png'); // kept for humans too
  assert.ok(sameColor(over.at(11, 5), mix('#E50000', '#FFFFFF', 0.5)), 'red at 50% over white');
  assert.ok(sameColor(over.at(12, 7), mix('#222222', '#FFFFFF', 0.5)), 'black at 50% over white');
  assert.ok(sameColor(over.at(11, 6, 0.2, 0.2), hexToRgb('#FFFFFF')), 'a don\'t-care pixel');
  assert.ok(sameColor(over.at(9, 5), hexToRgb('#FFFFFF')), 'outside the template');

  await page.keyboard.press('o');
  await waitToast(page, 'Template hidden.');
  await nextFrame(page);
  assert.ok(sameColor((await shot(page)).at(11, 5), hexToRgb('#FFFFFF')), 'hidden: the canvas');
  await page.keyboard.press('o');
  await waitToast(page, 'Template shown.');

  // the page's address keeps the template as the view moves (a shareable link)
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() => location.hash.includes('x=') && location.hash.includes('&template='));
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, new RegExp(`&template=${encodeURIComponent(tmplUrl).replace(/[.]/g, '\\.')}&tx=10&ty=5$`));

  // n from 11,6: the nearest differing pixel is 11,5 (10,6 and 12,5... are farther or later)
  await page.keyboard.press('0'); // white: n is seen choosing the template's colour
  await page.keyboard.press('n');
  await waitToast(page, '11,5 should be red (it is white); 2 of 10 pixels match.');
  assert.deepEqual(await page.evaluate(() => window.place.app.reticle), { x: 11, y: 5 });
  assert.equal(await page.evaluate(() => window.place.app.color), 5, 'red chosen');
  await page.keyboard.press('Enter');
  await waitProgress(page, '3 of 10 pixels match');
  await snapshotWhere(srv.url, (s) => s.get(11, 5) === 5, 'red at 11,5 (the server stores it)');

  // another player breaks a right pixel: the count follows at once
  assert.equal((await other.placeAndWait(10, 5, 0, 'c')).type, 'placed');
  await waitProgress(page, '2 of 10 pixels match');

  // dots: a dot of the template's colour in the middle of each pixel, the canvas around it
  for (const k of ['O', 'O', 'O']) await page.keyboard.press(k);
  await waitToast(page, 'Template style: dots.');
  await nextFrame(page);
  const dots = await shot(page, 'template-dots.png');
  assert.ok(sameColor(dots.at(12, 7), hexToRgb('#222222')), 'a black dot in the middle of 12,7');
  assert.ok(sameColor(dots.at(12, 7, 0.15, 0.15), hexToRgb('#FFFFFF')), 'white around it');
  assert.ok(sameColor(dots.at(10, 5), hexToRgb('#E50000')), 'a red dot on the white 10,5');
  assert.deepEqual(page.errors, []);
});

test('refused templates: a host without CORS, and one larger than the canvas, say why', async () => {
  const srv = await server();
  const closed = await servePng({ '/t.png': template() }, { cors: false });
  h.defer(() => closed.close());
  const big = await servePng({ '/big.png': pngFromRows([Array(65).fill(hexRgba('#E50000'))]) });
  h.defer(() => big.close());

  const { context, page } = await h.open(
    `${srv.url}/#template=${encodeURIComponent(`${closed.url}/t.png`)}&tx=1&ty=1`);
  h.defer(() => context.close());
  await waitToast(page, 'Template not loaded:');
  assert.match(await page.locator('#toast').textContent(), /CORS/);
  assert.equal(await page.locator('#template-bar').isHidden(), true);

  // the Template button's dialog
  await page.click('#btn-template');
  await page.fill('#template-url', `${big.url}/big.png`);
  await page.fill('#template-at', '0, 0');
  await page.click('#template-form button[type=submit]');
  await waitToast(page, 'Template not shown: the template (65x1) is larger than the canvas (64x64).');
  await page.keyboard.press('n');
  await waitToast(page, 'No template');
  assert.doesNotMatch(await page.evaluate(() => location.hash), /template=/);
});
