// The browser's players-online count, cooldown-ready notification and minimap (issue 16), in
// headless Chromium against the real placed, read back from the page as a player sees it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clickPixel, pixelOnScreen } from './lib/browser.js';
import { webHarness } from './lib/harness.js';

const PERIOD_MS = 2000; // the players-online period docs/protocol.md announces

const h = webHarness();
const server = (args = []) => h.server(['--batch-ms', '50', ...args]);

const onlineText = (page) => page.evaluate(() => {
  const el = document.getElementById('online');
  return el.hidden ? null : document.getElementById('online-count').textContent;
});

test('the top bar counts the players online: 3, then 2 within the period when one leaves', async () => {
  const srv = await server(['--cooldown', '0']);
  const others = [await h.client(srv), await h.client(srv)];
  const { context, page } = await h.open(`${srv.url}/`);
  try {
    await page.waitForFunction(() => document.getElementById('online-count').textContent === '3 online',
      null, { timeout: PERIOD_MS + 3000 });
    others[0].close();
    const left = Date.now();
    await page.waitForFunction(() => document.getElementById('online-count').textContent === '2 online',
      null, { timeout: PERIOD_MS + 2000 });
    assert.ok(Date.now() - left <= PERIOD_MS + 2000, `${Date.now() - left} ms`);
    assert.equal(await onlineText(page), '2 online');
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

// Headless Chromium driven by Playwright keeps every page visible: a second page brought to the
// front, a new tab activated over CDP (Target.activateTarget) and a minimised window
// (Browser.setWindowBounds), headless or headed on Xvfb, all left document.visibilityState at
// "visible". So the test hides the page the only way left: it overrides document.hidden and
// visibilityState and fires visibilitychange, as the browser does when the player switches tabs.
async function hide(page) {
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

async function placeOnce(page, x, y) {
  await clickPixel(page, x, y);
  await page.click('#place-btn');
  await page.waitForFunction(() => document.getElementById('place-btn').dataset.mode === 'cooldown');
}

test('with the tab hidden, the end of the cooldown shows a desktop notification (permission granted)', async () => {
  const srv = await server(['--cooldown', '2']);
  const { context, page } = await h.open(`${srv.url}/#x=20&y=20&z=8`);
  try {
    await context.grantPermissions(['notifications'], { origin: srv.url });
    assert.equal(await page.evaluate(() => Notification.permission), 'granted');
    // the help dialog's option reflects the permission
    await page.keyboard.press('?');
    assert.equal(await page.isChecked('#opt-notify'), true);
    await page.keyboard.press('Escape');

    await placeOnce(page, 5, 5);
    await hide(page);
    const notice = await page.waitForFunction(() => window.place.app.notice && window.place.app.notice.shown
      && window.place.app.notice, null, { timeout: 5000 });
    const n = await notice.jsonValue();
    assert.equal(n.title, 'Place: your next pixel is ready');
    assert.match(n.body, /cooldown is over/);
    assert.match(await page.title(), /Ready to place/);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test('with the tab in view there is no notification, only the page\'s own cue, and the chime when asked for', async () => {
  const srv = await server(['--cooldown', '2']);
  const { context, page } = await h.open(`${srv.url}/#x=20&y=20&z=8`);
  try {
    await context.grantPermissions(['notifications'], { origin: srv.url });
    // the chime is opt-in: off until the player ticks it in the help dialog (which plays a sample)
    assert.equal(await page.evaluate(() => window.place.app.sound), false);
    await page.keyboard.press('?');
    await page.check('#opt-sound');
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => window.place.app.chimed), 1, 'the sample');
    await placeOnce(page, 6, 6);
    // the title, the chime and a notification (none while in view) come from one call
    await page.waitForFunction(() => document.title.includes('Ready to place'), null, { timeout: 5000 });
    assert.equal(await page.evaluate(() => window.place.app.notice), null);
    assert.equal(await page.evaluate(() => window.place.app.chimed), 2, 'the chime at the end of the cooldown');
    assert.equal(await page.evaluate(() => localStorage.getItem('place.sound')), '1', 'remembered');
  } finally {
    await context.close();
  }
});

test('the minimap: a click on it moves the view there and the coordinates shown follow; m hides it', async () => {
  const srv = await server(['--cooldown', '0']);
  const { context, page } = await h.open(`${srv.url}/#x=10&y=10&z=24`);
  try {
    assert.equal(await page.isVisible('#minimap'), true, 'shown on a wide screen');
    const box = await page.locator('#minimap').boundingBox();
    const cw = await page.evaluate(() => window.place.view.cw);
    const target = { x: 50, y: 40 };
    const before = await page.evaluate(() => ({ cx: window.place.view.cx, cy: window.place.view.cy }));
    assert.ok(Math.abs(before.cx - target.x) > 20, 'the view starts elsewhere');
    await page.mouse.click(box.x + ((target.x + 0.5) / cw) * box.width, box.y + ((target.y + 0.5) / cw) * box.height);
    const coords = await page.textContent('#coords');
    assert.match(coords, new RegExp(`^\\(${target.x}, ${target.y}\\)`), `the coordinates shown: ${coords}`);
    const after = await page.evaluate(() => ({ cx: window.place.view.cx, cy: window.place.view.cy, z: window.place.view.z }));
    assert.equal(after.cx, target.x + 0.5);
    assert.equal(after.cy, target.y + 0.5);
    assert.equal(after.z, 24, 'the zoom stays');
    await page.waitForFunction((t) => location.hash.startsWith(`#x=${t.x}&y=${t.y}&`), target);
    // the selected pixel is now in the middle of the screen
    const s = await pixelOnScreen(page, target.x, target.y);
    const vp = page.viewportSize();
    assert.ok(Math.abs(s.x - vp.width / 2) < 30 && Math.abs(s.y - vp.height / 2) < 60, JSON.stringify(s));
    await page.locator('#board').focus();
    await page.keyboard.press('m');
    assert.equal(await page.isVisible('#minimap'), false, 'm hides it');
    await page.keyboard.press('m');
    assert.equal(await page.isVisible('#minimap'), true, 'and m shows it again');
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});
