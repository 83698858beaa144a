// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core.
// Never downloads a browser.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { decodePng } from './png.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
}

// Where screenshots for humans go: $WEB_SHOTS (ctest sets it under the build dir), else
// tests/web/shots (not committed).
export function shotsDir() {
  const d = process.env.WEB_SHOTS || path.join(here, '..', 'shots');
  fs.mkdirSync(d, { recursive: true });
  return d;
}

// Opens the client in a fresh context (its own cookie jar: a new guest) and waits until the
// canvas is drawn and the WebSocket is live. Browser console errors are collected in page.errors.
export async function openClient(browser, url, opts = {}) {
  const context = await browser.newContext({
    viewport: opts.viewport || { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    hasTouch: !!opts.hasTouch,
    isMobile: !!opts.isMobile,
  });
  // opts.clock: the page's timers run on a clock the test can jump forward (real time otherwise)
  if (opts.clock) await context.clock.install();
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => {
    // failed requests are logged by Chromium itself when a test stops the server or sends a
    // wrong password; they are expected, page script errors are not
    if (m.type() === 'error' && !/Failed to load resource|WebSocket connection to/.test(m.text())) {
      page.errors.push(m.text());
    }
  });
  await page.goto(url);
  await waitLive(page);
  return { context, page };
}

export async function waitLive(page, timeout = 15000) {
  await page.waitForFunction(
    () => window.place && window.place.state.ready && document.getElementById('conn').dataset.state === 'connected',
    null, { timeout });
}

// The screen position (page CSS pixels) of the centre of canvas pixel (x, y), from the client's
// current view.
export async function pixelOnScreen(page, x, y) {
  return page.evaluate(([px, py]) => {
    const r = document.getElementById('board').getBoundingClientRect();
    const s = window.place.view.canvasToScreen(px + 0.5, py + 0.5);
    return { x: r.left + s.x, y: r.top + s.y };
  }, [x, y]);
}

// The default palette placed serves, as the page draws it.
export const PALETTE = ['#FFFFFF', '#E4E4E4', '#888888', '#222222', '#FFA7D1', '#E50000', '#E59500', '#A06A42',
  '#E5D900', '#94E044', '#02BE01', '#00D3DD', '#0083C7', '#0000EA', '#CF6EE4', '#820080'];

export async function clickPixel(page, x, y) {
  const s = await pixelOnScreen(page, x, y);
  await page.mouse.click(s.x, s.y);
}

// Records every "place" message the page sends on its WebSocket from now on (placesSent counts
// them).
export async function watchPlaces(page) {
  await page.evaluate(() => {
    const c = window.place.conn;
    const send = c.send.bind(c);
    window.placeSent = [];
    c.send = (m) => {
      if (m && m.type === 'place') window.placeSent.push(m);
      return send(m);
    };
  });
}

export const placesSent = (page) => page.evaluate(() => window.placeSent.length);

// No script error and no console error on the page (openClient collects them).
export function noErrors(page) {
  assert.deepEqual(page.errors, [], `browser errors: ${page.errors.join('\n')}`);
}

// Resolves once the page has drawn a frame after this call: the board draws in an animation
// frame, so a change it has queued is on screen then. (Not on a page opened with opts.clock: the
// installed clock holds animation frames until it is moved.)
export async function nextFrame(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

// The colours the page shows at the centres of canvas pixels [[x, y], ...], from one screenshot
// (kept in shotsDir() as file, when given): { 'x,y': [r, g, b] }.
export async function drawn(page, points, file) {
  const png = decodePng(await page.screenshot(file ? { path: path.join(shotsDir(), file) } : {}));
  const out = {};
  for (const [x, y] of points) {
    const s = await pixelOnScreen(page, x, y);
    out[`${x},${y}`] = png.rgb(Math.round(s.x), Math.round(s.y));
  }
  return out;
}
