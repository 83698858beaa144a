// End-to-end: the browser's time mode and heatmap against the real placed, in headless Chromium.
// What the page draws is read back from screenshots and compared with the server's own
// snapshot at that seq (GET /api/v1/canvas/snapshot?seq=).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeSnapshot } from '../server/lib/client.js';
import { paint } from '../lib/harness.js';
import { PALETTE, drawn, noErrors, watchPlaces, placesSent } from './lib/browser.js';
import { webHarness } from './lib/harness.js';
import { hexToRgb, sameColor } from './lib/png.js';

const VIEW = '/#x=14&y=12&z=12';
// seq 1..6, in this order: (10,10) changes at seqs 1, 3, 5 and 6, so every moment before the
// newest shows it differently from the live canvas
const HISTORY = [[10, 10, 5], [11, 10, 3], [10, 10, 12], [12, 10, 10], [10, 10, 8], [10, 10, 15]];
const WATCHED = [[10, 10], [11, 10], [12, 10], [14, 10], [16, 8]];

const h = webHarness();
const server = () => h.server(['--cooldown', '0', '--batch-ms', '50']);
const bot = (srv) => h.client(srv, null, { localAddress: '127.0.0.2' });

async function snapshotAtSeq(srv, seq) {
  const res = await fetch(`${srv.url}/api/v1/canvas/snapshot?seq=${seq}`);
  assert.equal(res.status, 200, `snapshot?seq=${seq}`);
  const snap = decodeSnapshot(Buffer.from(await res.arrayBuffer()));
  assert.equal(snap.seq, seq);
  return snap;
}

// The time mode has arrived where it was going.
async function timeSettled(page) {
  await page.waitForFunction(() => {
    const t = window.place.time.t;
    return t.active && t.have && !t.loading;
  }, null, { timeout: 10000 });
  return page.evaluate(() => window.place.time.t.seq);
}

test('dragging the timeline shows the canvas of that seq; Live catches up with what was placed meanwhile', async () => {
  const srv = await server();
  const b = await bot(srv);
  await paint(b, HISTORY, 'h');
  const { page, context } = await h.open(srv.url + VIEW);
  await page.waitForFunction(() => window.place.state.colorAt(10, 10) === 15);
  await watchPlaces(page);

  await page.click('#btn-time');
  assert.equal(await page.isVisible('#timeline'), true);
  assert.equal(await timeSettled(page), 6, 'time mode starts at the newest seq');
  assert.equal(await page.getAttribute('#time-slider', 'min'), '0');
  assert.equal(await page.getAttribute('#time-slider', 'max'), '6');

  // drag the slider's thumb from the right end to a third of the way
  const box = await page.locator('#time-slider').boundingBox();
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width - 4, y);
  await page.mouse.down();
  for (let i = 1; i <= 6; i++) await page.mouse.move(box.x + box.width - 4 - ((box.width * 0.66) * i) / 6, y);
  await page.mouse.up();
  const want = Number(await page.inputValue('#time-slider'));
  assert.ok(want >= 1 && want <= 4, `the slider stopped at ${want}`);
  assert.equal(await timeSettled(page), want);
  assert.match(await page.textContent('#time-label'), new RegExp(`^seq ${want} / 6 `));

  const snap = await snapshotAtSeq(srv, want);
  const live = await snapshotAtSeq(srv, 6);
  const seen = await drawn(page, WATCHED);
  let differs = 0;
  for (const [x, yy] of WATCHED) {
    const c = snap.get(x, yy);
    assert.ok(sameColor(seen[`${x},${yy}`], hexToRgb(PALETTE[c])),
      `(${x},${yy}) drawn ${seen[`${x},${yy}`]}, the snapshot at seq ${want} has ${PALETTE[c]}`);
    if (c !== live.get(x, yy)) differs++;
  }
  assert.ok(differs > 0, 'the moment shown differs from the live canvas somewhere checked');

  // placing is off: the Place button says so and sends nothing
  assert.equal(await page.textContent('#place-label'), 'Viewing the past');
  await page.click('#place-btn');
  assert.equal(await placesSent(page), 0);

  // meanwhile another player places: the live canvas takes it, the board keeps the past
  await paint(b, [[14, 10, 13], [16, 8, 6]], 'm');
  await page.waitForFunction(() => window.place.state.colorAt(14, 10) === 13 && window.place.state.colorAt(16, 8) === 6);
  const still = await drawn(page, [[14, 10], [10, 10]]);
  assert.ok(sameColor(still['14,10'], hexToRgb(PALETTE[0])), 'the past does not show the new pixel');
  assert.ok(sameColor(still['10,10'], hexToRgb(PALETTE[snap.get(10, 10)])));

  await page.click('#time-live');
  assert.equal(await page.isVisible('#timeline'), false);
  const now = await drawn(page, WATCHED);
  for (const [[x, yy], c] of [[[10, 10], 15], [[11, 10], 3], [[12, 10], 10], [[14, 10], 13], [[16, 8], 6]]) {
    assert.ok(sameColor(now[`${x},${yy}`], hexToRgb(PALETTE[c])), `live (${x},${yy}) drawn ${now[`${x},${yy}`]}, want ${PALETTE[c]}`);
  }
  assert.match(await page.textContent('#place-label'), /^Place /);
  noErrors(page);
  await context.close();
});

test('keys: t enters, , and . step, Space plays to now, Esc returns to live', async () => {
  const srv = await server();
  const b = await bot(srv);
  await paint(b, HISTORY, 'k');
  const { page, context } = await h.open(srv.url + VIEW);
  await page.waitForFunction(() => window.place.state.colorAt(10, 10) === 15);
  await page.focus('#board');
  await page.keyboard.press('t');
  assert.equal(await timeSettled(page), 6);
  await page.keyboard.press(',');
  assert.equal(await timeSettled(page), 5);
  let c = await drawn(page, [[10, 10]]);
  assert.ok(sameColor(c['10,10'], hexToRgb(PALETTE[8])), `seq 5 shows yellow at (10,10), drawn ${c['10,10']}`);
  await page.keyboard.press('<'); // ten steps back: clamped to the blank canvas before seq 1
  assert.equal(await timeSettled(page), 0);
  c = await drawn(page, [[10, 10]]);
  assert.ok(sameColor(c['10,10'], hexToRgb(PALETTE[0])), 'before the first pixel: white');
  await page.keyboard.press('.');
  assert.equal(await timeSettled(page), 1);
  c = await drawn(page, [[10, 10]]);
  assert.ok(sameColor(c['10,10'], hexToRgb(PALETTE[5])), 'seq 1: red');
  await page.keyboard.press(' ');
  await page.keyboard.press('>'); // while playing: faster, not ten steps
  assert.equal(await page.evaluate(() => window.place.time.t.speed), 2);
  assert.equal(await page.inputValue('#time-speed'), '2');
  await page.waitForFunction(() => !window.place.time.t.playing && window.place.time.t.seq === 6, null, { timeout: 10000 });
  c = await drawn(page, [[10, 10]]);
  assert.ok(sameColor(c['10,10'], hexToRgb(PALETTE[15])), 'played to now: purple');
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => window.place.time.active), false);
  assert.equal(await page.isVisible('#timeline'), false);
  noErrors(page);
  await context.close();
});

test('w overlays the heatmap: red where pixels were placed, the rest dimmed', async () => {
  const srv = await server();
  const b = await bot(srv);
  await paint(b, HISTORY, 'w');
  const { page, context } = await h.open(srv.url + VIEW);
  await page.waitForFunction(() => window.place.state.colorAt(10, 10) === 15);
  const before = await drawn(page, [[10, 10], [20, 14]]);
  await page.focus('#board');
  await page.keyboard.press('w');
  await page.waitForFunction(() => window.place.board.heat !== null);
  assert.equal(await page.getAttribute('#heat-btn', 'aria-pressed'), 'true');
  const hot = await drawn(page, [[10, 10], [12, 10], [20, 14]]);
  const [r, g, bl] = hot['10,10'];
  assert.ok(r > 200 && g < 60 && bl < 60, `the busiest pixel (4 placements) is red under the overlay: ${hot['10,10']}`);
  const [r2, g2] = hot['12,10'];
  assert.ok(r2 > 140 && g2 > g + 60, `a pixel placed once is orange to yellow: ${hot['12,10']}`);
  const cold = hot['20,14'];
  assert.ok(cold.every((v, i) => v < before['20,14'][i] - 40), `a pixel nobody placed is dimmed: ${cold} (was ${before['20,14']})`);
  await page.keyboard.press('w');
  await page.waitForFunction(() => window.place.board.heat === null);
  const off = await drawn(page, [[10, 10]]);
  assert.ok(sameColor(off['10,10'], hexToRgb(PALETTE[15])), 'w again: the canvas as it is');
  noErrors(page);
  await context.close();
});

test('on a phone: the History button and the timeline bar fit on screen, and a tap enters and leaves', async () => {
  const srv = await server();
  const b = await bot(srv);
  await paint(b, HISTORY.slice(0, 3), 'p');
  const { page, context } = await h.open(srv.url + '/#x=12&y=10&z=6',
    { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const onScreen = async (sel) => {
    const box = await page.locator(sel).boundingBox();
    assert.ok(box && box.x >= 0 && box.y >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844,
      `${sel} is off screen: ${JSON.stringify(box)}`);
  };
  for (const sel of ['#btn-time', '#btn-help', '#heat-btn']) await onScreen(sel);
  await page.tap('#btn-time');
  assert.equal(await timeSettled(page), 3);
  for (const sel of ['#time-play', '#time-slider', '#time-live', '#place-btn']) await onScreen(sel);
  await page.tap('#time-live');
  assert.equal(await page.evaluate(() => window.place.time.active), false);
  noErrors(page);
  await context.close();
});
