// End-to-end: the real placed serving assets/web/, driven in headless Chromium as players would:
// clicks, taps and keys; what they see is read back from the page, from screenshots and from the
// server's own snapshot.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { connect, fetchSnapshot, paintMany, squareOutline } from '../server/lib/client.js';
import { admin, snapshotWhere } from '../lib/harness.js';
import {
  PALETTE, clickPixel, drawn, nextFrame, noErrors, pixelOnScreen, placesSent, shotsDir, waitLive, watchPlaces,
} from './lib/browser.js';
import { webHarness } from './lib/harness.js';
import { decodePng, hexToRgb, sameColor } from './lib/png.js';

const VIEW = '/#x=20&y=20&z=8';

const h = webHarness();
const server = (opts = {}) => h.server(['--cooldown', '30', '--batch-ms', '50', ...(opts.args || [])], opts);

// The colours of the screen at the centre of canvas pixel (x, y) and of its neighbours, from one
// PNG screenshot.
async function screenColor(page, x, y, file) {
  const d = await drawn(page, [[x, y], [x - 1, y], [x + 1, y], [x, y + 1]], file);
  return { here: d[`${x},${y}`], left: d[`${x - 1},${y}`], right: d[`${x + 1},${y}`], below: d[`${x},${y + 1}`] };
}

// Select, then confirm: a click selects the pixel, the Place button paints it.
async function placeAt(page, x, y) {
  await clickPixel(page, x, y);
  await page.click('#place-btn');
}

async function chooseColor(page, c) {
  await page.click(`#palette .swatch[data-color="${c}"]`);
  assert.equal(await page.getAttribute(`#palette .swatch[data-color="${c}"]`, 'aria-checked'), 'true');
}

test('the page loads: the snapshot is drawn, 16 colours, live connection, a guest name', async () => {
  const srv = await server();
  // pixels placed before the page opens must come from the snapshot: one at an odd index (low
  // nibble) and one at an even index (high nibble)
  // each bot is another player: another loopback address (cooldowns count per address)
  for (const [x, y, c, from] of [[5, 6, 13, '127.0.0.2'], [10, 6, 8, '127.0.0.3']]) {
    const bot = await connect(srv.wsUrl, null, { localAddress: from });
    await bot.next('init');
    const ans = await bot.placeAndWait(x, y, c, `pre-${x}`);
    assert.equal(ans.type, 'placed');
    bot.ws.close();
  }
  await snapshotWhere(srv.url, (s) => s.get(5, 6) === 13 && s.get(10, 6) === 8, '(5,6) dark blue, (10,6) yellow');

  const { page, context } = await h.open(`${srv.url}/#x=8&y=8&z=10`);
  assert.equal(await page.locator('#palette .swatch').count(), 16);
  assert.equal(await page.textContent('#conn-text'), 'Live');
  assert.match(await page.textContent('#who-name'), /^guest-/);
  assert.equal(await page.isVisible('#btn-login'), true);
  assert.equal(await page.evaluate(() => window.place.state.colorAt(5, 6)), 13);
  assert.equal(await page.evaluate(() => window.place.state.colorAt(10, 6)), 8);
  const c = await screenColor(page, 5, 6, 'web-load-desktop.png');
  assert.ok(sameColor(c.here, hexToRgb(PALETTE[13])), `screen at (5,6) is ${c.here}, want dark blue`);
  for (const k of ['left', 'right', 'below']) {
    assert.ok(sameColor(c[k], hexToRgb(PALETTE[0])), `screen ${k} of (5,6) is ${c[k]}, want white`);
  }
  const d = await screenColor(page, 10, 6);
  assert.ok(sameColor(d.here, hexToRgb(PALETTE[8])), `screen at (10,6) is ${d.here}, want yellow`);
  for (const k of ['left', 'right', 'below']) {
    assert.ok(sameColor(d[k], hexToRgb(PALETTE[0])), `screen ${k} of (10,6) is ${d[k]}, want white`);
  }
  assert.equal(await page.evaluate(() => location.hash), '#x=8&y=8&z=10');
  // assistive technology: every control has a name, the canvas says how to use it
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input, canvas')]
    .filter((e) => !(e.getAttribute('aria-label') || e.textContent.trim() || e.closest('label')))
    .map((e) => e.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, []);
  assert.match(await page.getAttribute('#board', 'aria-label'), /Arrow keys move the reticle/);
  assert.equal(await page.getAttribute('#palette .swatch[data-color="5"]', 'aria-label'), 'red (5)');
  noErrors(page);
  await context.close();
});

test('a click selects and shows who placed the pixel without placing; the Place button commits', async () => {
  const srv = await server();
  const bot = await connect(srv.wsUrl, null, { localAddress: '127.0.0.2' }); // another player
  await bot.next('init');
  const pre = await bot.placeAndWait(26, 17, 12, 'pre');
  assert.equal(pre.type, 'placed');
  bot.ws.close();
  const before = await snapshotWhere(srv.url, (s) => s.get(26, 17) === 12, '(26,17) blue');

  const a = await h.open(srv.url + VIEW);
  await watchPlaces(a.page);
  const b = await h.open(srv.url + VIEW);
  await chooseColor(a.page, 5);
  // a click: the pixel is selected and its info shows (colour, who, when, how many placements)
  await clickPixel(a.page, 26, 17);
  assert.deepEqual(await a.page.evaluate(() => window.place.app.reticle), { x: 26, y: 17 });
  await a.page.waitForFunction(() => /by guest-/.test(document.getElementById('pixel-info').textContent));
  assert.match(await a.page.textContent('#pixel-info'), /^\(26, 17\) blue by guest-\w+ (just now|\d+ s ago) · 1 placement$/);
  // ... and nothing is placed: no message, no optimistic pixel, the server's seq does not move
  await a.page.waitForTimeout(1300); // the server's snapshot is rebuilt at most once a second
  assert.equal(await placesSent(a.page), 0);
  assert.equal(await a.page.evaluate(() => window.place.state.hasPending()), false);
  assert.equal(await a.page.evaluate(() => window.place.state.colorAt(26, 17)), 12);
  assert.equal((await fetchSnapshot(srv.url)).snap.seq, before.seq, 'a click changed the canvas');
  assert.equal(await a.page.textContent('#place-label'), 'Place red');

  // hovering elsewhere does not move the info: it follows the selection
  const far = await pixelOnScreen(a.page, 5, 5);
  await a.page.mouse.move(far.x, far.y);
  await a.page.waitForTimeout(400);
  assert.match(await a.page.textContent('#pixel-info'), /^\(26, 17\) blue/);

  // the Place button confirms: optimistic at once, then confirmed, the cooldown counts down
  await a.page.click('#place-btn');
  await a.page.waitForFunction(() => !window.place.state.hasPending() && window.place.state.colorAt(26, 17) === 5);
  assert.equal(await placesSent(a.page), 1);
  assert.match(await a.page.textContent('#place-label'), /^Next pixel in 0:(30|2\d)$/);
  assert.match(await a.page.title(), /^\(0:(30|2\d)\) Place$/);
  const snap = await snapshotWhere(srv.url, (s) => s.get(26, 17) === 5, '(26,17) red');
  assert.equal(snap.get(25, 17), 0);

  // the second player, without reloading
  await b.page.waitForFunction(() => window.place.state.colorAt(26, 17) === 5, null, { timeout: 5000 });
  await nextFrame(b.page); // painted
  const cb = await screenColor(b.page, 26, 17, 'web-second-player.png');
  assert.ok(sameColor(cb.here, hexToRgb(PALETTE[5])), `player B's screen at (26,17) is ${cb.here}, want red`);
  assert.ok(sameColor(cb.right, hexToRgb(PALETTE[0])), `player B's screen at (27,17) is ${cb.right}`);
  assert.ok(sameColor(cb.below, hexToRgb(PALETTE[0])), `player B's screen at (26,18) is ${cb.below}`);

  // who placed it now, and that it is the second placement there
  const me = (await a.page.textContent('#who-name')).trim();
  await a.page.waitForFunction((name) => document.getElementById('pixel-info').textContent.includes(name), me);
  assert.match(await a.page.textContent('#pixel-info'), /^\(26, 17\) red by guest-\w+ just now · 2 placements$/);

  // during the cooldown, a click still selects (and shows the info) and confirming is refused on
  // the page: nothing is sent
  await clickPixel(a.page, 10, 10);
  await a.page.waitForFunction(() => /nobody has placed here yet/.test(document.getElementById('pixel-info').textContent));
  assert.equal(await a.page.textContent('#pixel-info'), '(10, 10) white, nobody has placed here yet');
  await a.page.keyboard.press('Enter');
  assert.match(await a.page.textContent('#toast'), /^Your next pixel is ready in \d+ s\.$/);
  assert.equal(await a.page.evaluate(() => window.place.state.colorAt(10, 10)), 0);
  assert.equal(await placesSent(a.page), 1);
  // the toast's countdown stays the button's countdown: it does not freeze at the moment it opened
  await a.page.waitForTimeout(2200);
  const toastS = Number(/in (\d+) s/.exec(await a.page.textContent('#toast'))[1]);
  const buttonS = Number(/0:(\d+)$/.exec(await a.page.textContent('#place-label'))[1]);
  assert.ok(Math.abs(toastS - buttonS) <= 1, `toast says ${toastS} s, the button ${buttonS} s`);
  noErrors(a.page);
  noErrors(b.page);
  await a.context.close();
  await b.context.close();
});

test('one-click placing is a setting, remembered by the browser', async () => {
  const srv = await server();
  const { context, page } = await h.open(srv.url + VIEW);
  await watchPlaces(page);
  await page.keyboard.press('?');
  assert.equal(await page.isChecked('#opt-one-click'), false);
  await page.check('#opt-one-click');
  await page.keyboard.press('Escape');
  await chooseColor(page, 9);
  await clickPixel(page, 12, 13);
  await page.waitForFunction(() => window.place.state.seqAt(12, 13) > 0 && !window.place.state.hasPending());
  await snapshotWhere(srv.url, (s) => s.get(12, 13) === 9, '(12,13) lime');
  assert.equal(await placesSent(page), 1);
  await page.reload();
  await waitLive(page);
  assert.equal(await page.evaluate(() => window.place.app.oneClick), true);
  assert.equal(await page.isChecked('#opt-one-click'), true);
  noErrors(page);
  await context.close();
});

test('a too-early placement from another tab is refused by the server and rolled back', async () => {
  const srv = await server();
  const { context, page } = await h.open(srv.url + VIEW);
  const tab2 = await context.newPage(); // same player (same cookie), opened before the first pixel
  tab2.errors = [];
  tab2.on('pageerror', (e) => tab2.errors.push(String(e)));
  await tab2.goto(srv.url + VIEW);
  await waitLive(tab2);

  await placeAt(page, 20, 20);
  await page.waitForFunction(() => window.place.state.seqAt(20, 20) > 0);

  // tab 2 does not know about the cooldown yet: it shows the pixel, the server says no
  await tab2.evaluate(() => {
    const p = window.place;
    const i = 12 * p.state.width + 24;
    const paint = p.state.onChange;
    window.seen = [];
    p.state.onChange = (j) => { paint(j); if (j === i) window.seen.push(p.state.colorAt(24, 12)); };
  });
  await chooseColor(tab2, 10);
  await placeAt(tab2, 24, 12);
  await tab2.waitForFunction(() => window.seen.length >= 2 && !window.place.state.hasPending());
  assert.deepEqual(await tab2.evaluate(() => window.seen), [10, 0], 'shown green at once, then rolled back to white');
  assert.equal(await tab2.evaluate(() => window.place.state.colorAt(24, 12)), 0);
  assert.match(await tab2.textContent('#toast'), /Too soon: your pixel was not placed\. You can place again in \d+ s\./);
  assert.match(await tab2.textContent('#place-label'), /^Next pixel in 0:(30|2\d)$/);
  assert.match(await tab2.title(), /^\(0:(30|2\d)\) Place$/);
  const c = await screenColor(tab2, 24, 12, 'web-rollback.png');
  assert.ok(sameColor(c.here, hexToRgb(PALETTE[0])), `after the rollback the screen at (24,12) is ${c.here}`);
  const snap = (await fetchSnapshot(srv.url)).snap;
  assert.equal(snap.get(24, 12), 0);
  noErrors(page);
  assert.deepEqual(tab2.errors, []);
  await context.close();
});

test('a broken WebSocket reconnects: the state shows it, and placing works again', async () => {
  const first = await server();
  const { context, page } = await h.open(first.url + VIEW);
  await first.stop();
  await page.waitForFunction(() => document.getElementById('conn').dataset.state === 'waiting');
  assert.match(await page.textContent('#conn-text'), /^Offline · retrying in \d+ s$/);
  assert.equal(await page.textContent('#place-label'), 'Offline');
  await page.screenshot({ path: path.join(shotsDir(), 'web-offline.png') });
  // a lookup made while offline fails, and is made again once the server is back
  await page.focus('#board');
  await page.keyboard.press('i');
  await page.waitForFunction(() => /history unavailable/.test(document.getElementById('pixel-info').textContent));

  // the same server comes back on the same port with the same data
  const again = await server({ dataDir: first.dataDir, args: ['--port', String(first.port)] });
  await page.waitForFunction(() => document.getElementById('conn').dataset.state === 'connected', null, { timeout: 15000 });
  assert.equal(await page.textContent('#conn-text'), 'Live');
  await page.waitForFunction(() => document.getElementById('pixel-info').textContent === '(20, 20) white, nobody has placed here yet',
    null, { timeout: 5000 });

  // keyboard only: arrows move the reticle, a hex digit picks the colour, Enter places
  await page.focus('#board');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('e');
  assert.equal(await page.getAttribute('#palette .swatch[data-color="14"]', 'aria-checked'), 'true');
  assert.deepEqual(await page.evaluate(() => window.place.app.reticle), { x: 22, y: 21 });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.place.state.seqAt(22, 21) > 0 && !window.place.state.hasPending());
  await snapshotWhere(again.url, (s) => s.get(22, 21) === 14, '(22,21) magenta');

  // another player's pixel placed after the restart shows up too
  const bot = await connect(again.wsUrl, null, { localAddress: '127.0.0.2' });
  await bot.next('init');
  assert.equal((await bot.placeAndWait(3, 4, 11, 'bot')).type, 'placed');
  bot.ws.close();
  await page.waitForFunction(() => window.place.state.colorAt(3, 4) === 11, null, { timeout: 5000 });

  // more keys: g goes to coordinates, i tells who placed a pixel, ? opens the help, Esc closes
  await page.keyboard.press('g');
  await page.fill('#goto-input', '3, 4');
  await page.keyboard.press('Enter');
  assert.deepEqual(await page.evaluate(() => window.place.app.reticle), { x: 3, y: 4 });
  await page.keyboard.press('i');
  await page.waitForFunction(() => /\(3, 4\) cyan by guest-\w+/.test(document.getElementById('pixel-info').textContent));
  await page.keyboard.press('?');
  assert.equal(await page.isVisible('#help-dialog'), true);
  await page.keyboard.press('Escape');
  assert.equal(await page.isVisible('#help-dialog'), false);
  noErrors(page);
  await context.close();
});

test('on a phone: a tap selects without placing, Place paints, the layout fits, and an account can be made', async () => {
  const srv = await server();
  const { context, page } = await h.open(srv.url + '/#x=32&y=20&z=6',
    { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  await watchPlaces(page);
  // everything needed to play is on screen
  for (const sel of ['#palette', '#place-btn', '#conn', '#zoom-in']) {
    const box = await page.locator(sel).boundingBox();
    assert.ok(box && box.x >= 0 && box.y >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844,
      `${sel} is off screen: ${JSON.stringify(box)}`);
  }
  await page.tap('#palette .swatch[data-color="6"]');
  const seq0 = (await fetchSnapshot(srv.url)).snap.seq;
  const s = await pixelOnScreen(page, 30, 18);
  await page.touchscreen.tap(s.x, s.y);
  assert.deepEqual(await page.evaluate(() => window.place.app.reticle), { x: 30, y: 18 });
  await page.waitForFunction(() => document.getElementById('pixel-info').textContent === '(30, 18) white, nobody has placed here yet');
  // a long press selects and shows the info too, and never places
  const cdp = await context.newCDPSession(page);
  const l = await pixelOnScreen(page, 28, 15);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: l.x, y: l.y, id: 1 }] });
  await page.waitForTimeout(700);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  assert.deepEqual(await page.evaluate(() => window.place.app.reticle), { x: 28, y: 15 });
  await page.waitForFunction(() => document.getElementById('pixel-info').textContent === '(28, 15) white, nobody has placed here yet');
  await page.waitForTimeout(1300); // the server's snapshot is rebuilt at most once a second
  assert.equal(await placesSent(page), 0, 'a tap or a long press sent a placement');
  assert.equal(await page.evaluate(() => window.place.state.hasPending()), false);
  assert.equal((await fetchSnapshot(srv.url)).snap.seq, seq0, 'a tap changed the canvas');
  // select (30, 18) again and confirm with the Place button
  await page.touchscreen.tap(s.x, s.y);
  await page.tap('#place-btn');
  await page.waitForFunction(() => window.place.state.seqAt(30, 18) > 0);
  await snapshotWhere(srv.url, (sn) => sn.get(30, 18) === 6, '(30,18) orange');
  const c = await screenColor(page, 30, 18, 'web-phone.png');
  assert.ok(sameColor(c.here, hexToRgb(PALETTE[6])), `phone screen at (30,18) is ${c.here}, want orange`);

  // register through the dialog; the name shows; log out goes back to a guest
  await page.tap('#btn-login');
  await page.tap('#auth-switch');
  assert.equal(await page.textContent('#auth-title'), 'Create an account');
  // the buttons share one row, under the switch link
  const cancel = await page.locator('#auth-cancel').boundingBox();
  const submit = await page.locator('#auth-submit').boundingBox();
  const sw = await page.locator('#auth-switch').boundingBox();
  assert.ok(Math.abs(cancel.y - submit.y) < 2 && submit.x > cancel.x, `Cancel ${JSON.stringify(cancel)} Sign up ${JSON.stringify(submit)}`);
  assert.ok(sw.y + sw.height <= submit.y, 'the switch link sits above the buttons');
  assert.ok(submit.x + submit.width <= 390, 'Sign up fits on screen');
  // a short name and a short password: both reasons at once
  await page.fill('#auth-user', 'ab');
  await page.fill('#auth-pass', 'short');
  await page.tap('#auth-submit');
  assert.equal(await page.textContent('#auth-error'),
    'Usernames are 3–32 letters, digits, _ or -. Passwords need at least 8 characters.');
  await page.fill('#auth-user', 'painter_1');
  await page.fill('#auth-pass', 'a long password');
  await page.screenshot({ path: path.join(shotsDir(), 'web-phone-signup.png') });
  await page.tap('#auth-submit');
  await page.waitForFunction(() => document.getElementById('who-name').textContent === 'painter_1');
  await waitLive(page);
  assert.equal(await page.isVisible('#btn-logout'), true);
  // a guest who registers keeps the cooldown
  assert.match(await page.textContent('#place-label'), /^Next pixel in 0:[0-3]\d$/);
  await page.tap('#btn-logout');
  await page.waitForFunction(() => document.getElementById('who-name').textContent.startsWith('guest-'));
  // wrong password: the reason in words
  await page.tap('#btn-login');
  assert.equal(await page.textContent('#auth-title'), 'Log in');
  await page.fill('#auth-user', 'painter_1');
  await page.fill('#auth-pass', 'not the password');
  await page.tap('#auth-submit');
  await page.waitForFunction(() => document.getElementById('auth-error').textContent.length > 0);
  assert.match(await page.textContent('#auth-error'), /password/i);
  noErrors(page);
  await context.close();
});

test('the cooldown counts down in the page and the tab title, then says you can place again', async () => {
  const srv = await server({ args: ['--cooldown', '3'] });
  const { context, page } = await h.open(srv.url + VIEW);
  // every title and button label the page shows, in order (robust to a slow machine)
  await page.evaluate(() => {
    window.titles = [];
    window.labels = [];
    window.toasts = [];
    const seen = (list, v) => { if (list[list.length - 1] !== v) list.push(v); };
    new MutationObserver(() => seen(window.titles, document.title))
      .observe(document.querySelector('title'), { childList: true, characterData: true, subtree: true });
    new MutationObserver(() => seen(window.labels, document.getElementById('place-label').textContent))
      .observe(document.getElementById('place-label'), { childList: true, characterData: true, subtree: true });
    new MutationObserver(() => seen(window.toasts, document.getElementById('toast').textContent))
      .observe(document.getElementById('toast'), { childList: true, characterData: true, subtree: true });
  });
  await page.keyboard.press('5');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.place.state.seqAt(20, 20) > 0);
  await page.waitForFunction(() => document.title === '✦ Ready to place · Place', null, { timeout: 8000 });
  const titles = await page.evaluate(() => window.titles);
  const labels = await page.evaluate(() => window.labels);
  assert.ok(titles.some((t) => /^\(0:0[1-3]\) Place$/.test(t)), `titles: ${JSON.stringify(titles)}`);
  assert.ok(labels.some((t) => /^Next pixel in 0:0[1-3]$/.test(t)), `labels: ${JSON.stringify(labels)}`);
  assert.equal(titles[titles.length - 1], '✦ Ready to place · Place');
  assert.ok((await page.evaluate(() => window.toasts)).includes('Your next pixel is ready!'));
  assert.equal(await page.textContent('#place-label'), 'Place red');
  await snapshotWhere(srv.url, (s) => s.get(20, 20) === 5, '(20,20) red');
  noErrors(page);
  await context.close();
});

test('navigation: wheel zooms around the pointer, a drag pans without placing, the link keeps the view', async () => {
  const srv = await server();
  const { context, page } = await h.open(`${srv.url}/#x=32&y=32&z=4`);
  const view = () => page.evaluate(() => ({ cx: window.place.view.cx, cy: window.place.view.cy, z: window.place.view.z }));
  const under = (sx, sy) => page.evaluate(([x, y]) => {
    const r = document.getElementById('board').getBoundingClientRect();
    return window.place.view.pixelAt(x - r.left, y - r.top);
  }, [sx, sy]);

  const p = await pixelOnScreen(page, 10, 12);
  await page.mouse.move(p.x, p.y);
  await page.mouse.wheel(0, -400);
  await page.waitForFunction(() => window.place.view.z > 4);
  assert.deepEqual(await under(p.x, p.y), { x: 10, y: 12 }, 'the pixel under the pointer stays under it');

  const before = await view();
  await page.mouse.move(640, 400);
  await page.mouse.down();
  await page.mouse.move(590, 380, { steps: 5 });
  await page.mouse.move(540, 360, { steps: 5 });
  await page.mouse.up();
  const after = await view();
  assert.ok(Math.abs(after.cx - (before.cx + 100 / before.z)) < 1e-6, `dragged cx ${after.cx}`);
  assert.ok(Math.abs(after.cy - (before.cy + 40 / before.z)) < 1e-6, `dragged cy ${after.cy}`);
  assert.equal(await page.evaluate(() => window.place.state.hasPending()), false);
  assert.match(await page.textContent('#place-label'), /^Place /, 'a drag does not place');

  await page.click('#zoom-in');
  const zoomed = await view();
  assert.ok(Math.abs(zoomed.z - after.z * 1.6) < 1e-6 || zoomed.z === 64, `zoom button: ${after.z} -> ${zoomed.z}`);

  // the URL follows the view; opening it elsewhere shows the same place
  await page.waitForFunction(() => location.hash === window.place.view.toHash());
  const link = page.url();
  const other = await h.open(link);
  const v2 = await other.page.evaluate(() => ({ cx: window.place.view.cx, cy: window.place.view.cy, z: window.place.view.z }));
  assert.ok(Math.abs(v2.z - zoomed.z) < 0.01 && Math.abs(v2.cx - zoomed.cx) <= 1 && Math.abs(v2.cy - zoomed.cy) <= 1,
    `the link ${link} opened ${JSON.stringify(v2)}, was ${JSON.stringify(zoomed)}`);
  noErrors(page);
  await context.close();
  await other.context.close();

  // two fingers spreading apart zoom in (touch events through the DevTools protocol)
  const phone = await h.open(`${srv.url}/#x=32&y=32&z=4`,
    { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const z0 = await phone.page.evaluate(() => window.place.view.z);
  const cdp = await phone.context.newCDPSession(phone.page);
  const touch = (type, pts) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: pts.map(([x, y], id) => ({ x, y, id })) });
  await touch('touchStart', [[160, 400], [230, 400]]);
  for (let i = 1; i <= 6; i++) await touch('touchMove', [[160 - 10 * i, 400], [230 + 10 * i, 400]]);
  await touch('touchEnd', []);
  const z1 = await phone.page.evaluate(() => window.place.view.z);
  assert.ok(z1 > z0 * 1.8, `pinch zoom ${z0} -> ${z1}`);
  assert.equal(await phone.page.evaluate(() => window.place.state.hasPending()), false, 'a pinch does not place');
  noErrors(phone.page);
  await phone.context.close();
});

test('no answer within 10 s: the pixel rolls back, and a silent server is given up', async () => {
  const srv = await server();
  const { context, page } = await h.open(srv.url + VIEW, { clock: true });
  process.kill(srv.proc.pid, 'SIGSTOP'); // the connection stays open, nothing answers
  try {
    await chooseColor(page, 3);
    await placeAt(page, 15, 25);
    assert.equal(await page.evaluate(() => window.place.state.colorAt(15, 25)), 3, 'shown at once');
    await page.clock.fastForward(10500);
    await page.waitForFunction(() => !window.place.state.hasPending(), null, { timeout: 5000 });
    assert.equal(await page.evaluate(() => window.place.state.colorAt(15, 25)), 0, 'rolled back to white');
    assert.equal(await page.textContent('#toast'), 'No answer from the server: your pixel was not placed.');
    assert.equal(await page.textContent('#place-label'), 'Place black', 'no cooldown after a failed placement');
    assert.equal(await page.textContent('#conn-text'), 'Live');
    // the keepalive ping gets no answer either: the page stops pretending to be connected
    await page.clock.fastForward(30000);
    await page.clock.fastForward(10500);
    await page.waitForFunction(() => document.getElementById('conn').dataset.state !== 'connected', null, { timeout: 5000 });
    assert.match(await page.textContent('#conn-text'), /^(Offline · retrying in \d+ s|Connecting…)$/);
  } finally {
    process.kill(srv.proc.pid, 'SIGKILL');
  }
  noErrors(page);
  await context.close();
});

test('a server where guests may not place asks guests to log in', async () => {
  const srv = await server({ args: ['--guests-can-place=no'] });
  const { context, page } = await h.open(srv.url + VIEW);
  assert.equal(await page.textContent('#place-label'), 'Log in to place');
  await clickPixel(page, 21, 21);
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('#toast'), /Guests may not place pixels here: log in or register\./);
  assert.equal(await page.isVisible('#auth-dialog'), true);
  assert.equal(await page.evaluate(() => window.place.state.colorAt(21, 21)), 0);
  noErrors(page);
  await context.close();
});

test('a burst from five players: what the page shows ends up equal to the server canvas', async () => {
  const srv = await server({ args: ['--cooldown', '0'] });
  const { context, page } = await h.open(`${srv.url}/#x=32&y=32&z=8`);
  let seed = 12345; // xorshift32: the same burst every run
  const rnd = (n) => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) % n; };
  const bots = [];
  for (let i = 0; i < 5; i++) bots.push(await connect(srv.wsUrl));
  const answers = [];
  for (let round = 0; round < 30; round++) {
    for (const [b, bot] of bots.entries()) {
      // overlapping pixels, so the order of placements matters
      answers.push(bot.placeAndWait(20 + rnd(20), 20 + rnd(20), rnd(16), `r${round}-${b}`, 10000));
    }
    if (round % 10 === 5) await page.evaluate(() => window.place.refresh()); // a snapshot mid-burst
    await new Promise((r) => setTimeout(r, 70)); // under the flood limit of 20 a second
  }
  const done = await Promise.all(answers);
  assert.ok(done.every((m) => m.type === 'placed'), `refused: ${JSON.stringify(done.find((m) => m.type !== 'placed'))}`);
  const maxSeq = Math.max(...done.map((m) => m.seq));
  for (const b of bots) b.close();
  const snap = await snapshotWhere(srv.url, (s) => s.seq >= maxSeq, `seq ${maxSeq}`);
  let coloured = 0;
  for (let y = 20; y < 40; y++) for (let x = 20; x < 40; x++) if (snap.get(x, y) !== 0) coloured++;
  assert.ok(coloured >= 60, `the burst painted only ${coloured} pixels`);

  await page.waitForFunction((seq) => window.place.state.lastSeq >= seq, maxSeq);
  const shown = await page.evaluate(() => {
    const s = window.place.state;
    const out = [];
    for (let y = 0; y < s.height; y++) for (let x = 0; x < s.width; x++) out.push(s.colorAt(x, y));
    return out;
  });
  const wrong = [];
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) {
    if (shown[y * 64 + x] !== snap.get(x, y)) wrong.push(`(${x},${y}) page ${shown[y * 64 + x]} server ${snap.get(x, y)}`);
  }
  assert.deepEqual(wrong, [], 'the page state differs from the server');

  // and on screen, pixel by pixel (except around the reticle, whose frame covers corners), once
  // the welcome message is clicked away
  if (await page.isVisible('#toast')) await page.click('#toast');
  assert.equal(await page.isVisible('#toast'), false);
  await nextFrame(page);
  const png = decodePng(await page.screenshot({ path: path.join(shotsDir(), 'web-burst.png') }));
  const origin = await pixelOnScreen(page, 0, 0);
  const z = await page.evaluate(() => window.place.view.z);
  const off = [];
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) {
    if (Math.abs(x - 32) <= 1 && Math.abs(y - 32) <= 1) continue;
    const rgb = png.rgb(Math.round(origin.x + x * z), Math.round(origin.y + y * z));
    if (!sameColor(rgb, hexToRgb(PALETTE[snap.get(x, y)]))) off.push(`(${x},${y}) screen ${rgb} server ${PALETTE[snap.get(x, y)]}`);
  }
  assert.deepEqual(off.slice(0, 10), [], `${off.length} pixels on screen differ from the server`);
  noErrors(page);
  await context.close();
});

test('whole-canvas zoom keeps a 1-pixel square outline visible on all four sides', async () => {
  const srv = await server({ args: ['--cooldown', '0', '--width', '2000', '--height', '2000'] });
  const [x0, y0, x1, y1] = [900, 900, 1059, 1059];
  await paintMany(srv.wsUrl, squareOutline(x0, y0, x1, y1, 3));
  const { context, page } = await h.open(srv.url);
  // the first snapshot may be up to a second behind the painting: wait for the whole outline
  await page.waitForFunction(([a, b, c, d]) => {
    const s = window.place.state;
    for (let i = a; i <= c; i++) {
      if (s.colorAt(i, b) !== 3 || s.colorAt(i, d) !== 3 || s.colorAt(a, i) !== 3 || s.colorAt(c, i) !== 3) return false;
    }
    return true;
  }, [x0, y0, x1, y1], { timeout: 10000 });
  if (await page.isVisible('#toast')) await page.click('#toast');
  const z = await page.evaluate(() => window.place.view.z);
  assert.ok(z < 0.5, `whole canvas at ${z} screen pixels a canvas pixel`);
  await nextFrame(page);
  const png = decodePng(await page.screenshot({ path: path.join(shotsDir(), 'web-overview.png') }));
  const black = hexToRgb(PALETTE[3]);
  const mid = (x0 + x1) / 2;
  // the line is a screen pixel wide at most: look at the pixels across it
  const across = async (x, y, dx, dy) => {
    const s = await pixelOnScreen(page, x, y);
    return [-1, 0, 1].some((k) => sameColor(png.rgb(Math.round(s.x + k * dx), Math.round(s.y + k * dy)), black));
  };
  assert.ok(await across(mid, y0, 0, 1), 'the top side is visible');
  assert.ok(await across(mid, y1, 0, 1), 'the bottom side is visible');
  assert.ok(await across(x0, mid, 1, 0), 'the left side is visible');
  assert.ok(await across(x1, mid, 1, 0), 'the right side is visible');
  const inside = await pixelOnScreen(page, x0 + 30, y0 + 30); // away from the reticle at the centre
  assert.ok(sameColor(png.rgb(Math.round(inside.x), Math.round(inside.y)), hexToRgb(PALETTE[0])), 'inside stays white');
  noErrors(page);
  await context.close();
});

test('the snapshot is fetched again within 60 s, and live deltas it covers are dropped', async () => {
  const srv = await server();
  const { context, page } = await h.open(srv.url + VIEW, { clock: true });
  let fetches = 0;
  page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/v1/canvas/snapshot')) fetches++; });
  const bot = await connect(srv.wsUrl, null, { localAddress: '127.0.0.2' });
  const ans = await bot.placeAndWait(40, 41, 9, 'live');
  bot.close();
  await page.waitForFunction(() => window.place.state.colorAt(40, 41) === 9);
  assert.equal(await page.evaluate(() => window.place.state.overlay.size), 1, 'held as a delta');
  await snapshotWhere(srv.url, (s) => s.get(40, 41) === 9, '(40,41) lime');
  assert.equal(fetches, 0);
  await page.clock.fastForward(60000);
  await page.waitForFunction((seq) => window.place.state.baseSeq >= seq, ans.seq, { timeout: 5000 });
  assert.ok(fetches >= 1, 'a snapshot request went out');
  assert.equal(await page.evaluate(() => window.place.state.overlay.size), 0, 'the delta is now part of the base');
  assert.equal(await page.evaluate(() => window.place.state.colorAt(40, 41)), 9);
  noErrors(page);
  await context.close();
});

test('banned while on the page: the dock says so with the reason, the place button stops offering, no "Offline"', async () => {
  const srv = await server();
  const { page } = await h.open(srv.url + VIEW);
  await page.waitForFunction(() => document.getElementById('conn').dataset.state === 'connected');
  await watchPlaces(page);
  const id = await page.evaluate(() => window.place.app.user.userId);
  assert.match(id, /^[0-9a-f]{32}$/);
  admin(srv, '--ban-id', id, '--reason', 'scribbling');
  await page.waitForFunction(() => !document.getElementById('ban-note').hidden);
  assert.equal(await page.textContent('#ban-note'), 'You are banned from placing pixels: scribbling.');
  assert.equal(await page.textContent('#place-label'), 'Banned');
  // the server closed the socket; the page comes back as the same player, to watch
  await page.waitForFunction(() => document.getElementById('conn').dataset.state === 'connected'
    && window.place.conn.open, null, { timeout: 10000 });
  assert.doesNotMatch(await page.textContent('#conn-text'), /Offline/);
  assert.equal(await page.evaluate(() => window.place.app.user.userId), id, 'not someone else');
  assert.equal(await page.textContent('#ban-note'), 'You are banned from placing pixels: scribbling.');
  // the place button refuses, with the ban in words, and nothing is sent
  await page.click('#place-btn');
  assert.match(await page.textContent('#toast'), /You are banned from placing pixels/);
  assert.equal(await placesSent(page), 0);
  assert.equal(await page.textContent('#place-label'), 'Banned');
});
