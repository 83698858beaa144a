// place-sdl's players-online count, cooldown-ready cue and minimap (issue 16): the real placed,
// the real place-sdl on a private Xvfb display driven by a script; what the player sees is read
// from the bar (`wait status`), the window title (`wait title`), the view (`view`) and a
// screenshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { readBmp, fitView } from './lib/sdl.js';
import { expectExit as ok, sdlHarness } from './lib/harness.js';

const WIN_W = 640;
const WIN_H = 480;
const CANVAS = 64;
const MINIMAP = 160; // client-sdl/minimap.h: its longer side, logical px
const MARGIN = 8;    // APP_MARGIN
const h = sdlHarness('place-sdl-alerts-');
const { server, workDir, run: runSdl } = h;

test('the bar counts the players online: 3, then 2 within the period when one leaves', async () => {
  const srv = await server(['--cooldown', '0']);
  const others = [await h.client(srv), await h.client(srv)];
  let left = 0;
  const r = await runSdl({
    url: srv.url, dir: workDir(),
    script: ['wait connected', 'wait status 3 online', 'echo three', 'wait status 2 online', 'echo two', 'quit'],
    onLine: (line) => {
      if (line === 'script: three') {
        others[1].close();
        left = Date.now();
      }
    },
  });
  ok(r);
  assert.match(r.stdout, /script: two/);
  assert.ok(Date.now() - left <= 4000, `the count changed ${Date.now() - left} ms after one left`);
});

test('when the cooldown ends the window title says so and the window asks for attention', async () => {
  const srv = await server(['--cooldown', '2']);
  const v = fitView(WIN_W, WIN_H, CANVAS, CANVAS);
  const sx = v.ox + 10.5 * v.scale;
  const sy = v.oy + 10.5 * v.scale;
  const r = await runSdl({
    url: srv.url, dir: workDir(),
    script: [
      'wait connected',
      'wait title Place - ', // the plain title first
      `click ${sx.toFixed(0)} ${sy.toFixed(0)}`,
      'wait cooldown',
      'wait title s) Place - ', // the countdown in the title: "(2 s) Place - ..."
      'echo counting',
      'wait title Ready to place',
      'echo ready',
      'wait flashed',
      'echo flashed',
      'quit',
    ],
  });
  ok(r);
  assert.match(r.stdout, /script: counting\n(.*\n)*script: ready\n(.*\n)*script: flashed/);
});

test('the minimap: m shows it, a click on it moves the view there and the coordinates follow', async () => {
  const srv = await server(['--cooldown', '0']);
  const dir = workDir();
  const shot = path.join(dir, 'minimap.bmp');
  // the minimap of a square canvas: MINIMAP px square in the top-right corner of the canvas area
  const mx = WIN_W - MARGIN - MINIMAP;
  const my = MARGIN;
  const k = MINIMAP / CANVAS;
  const target = { x: 48, y: 16 };
  const views = [];
  const r = await runSdl({
    url: srv.url, dir,
    script: [
      'wait connected', 'view', 'key m', 'key +', 'key +', 'view',
      `click ${(mx + (target.x + 0.5) * k).toFixed(0)} ${(my + (target.y + 0.5) * k).toFixed(0)}`,
      `wait status x=${target.x} y=${target.y}`,
      'view', `shot ${shot}`, 'key m', 'view', 'quit',
    ],
    onLine: (line) => {
      const m = /^view: scale=([\d.]+) ox=(-?[\d.]+) oy=(-?[\d.]+) area=(\d+)x(\d+) cursor=(-?\d+),(-?\d+) canvas=\d+x\d+ minimap=(-?\d+),(-?\d+),(\d+),(\d+)/.exec(line);
      if (m) {
        const [scale, ox, oy, aw, ah, cx, cy, rx, ry, rw, rh] = m.slice(1).map(Number);
        views.push({ scale, ox, oy, aw, ah, cx, cy, mini: { x: rx, y: ry, w: rw, h: rh } });
      }
    },
  });
  ok(r);
  assert.equal(views.length, 4, r.stdout);
  assert.deepEqual(views[0].mini, { x: 0, y: 0, w: 0, h: 0 }, 'off in test mode until m');
  assert.deepEqual(views[1].mini, { x: mx, y: my, w: MINIMAP, h: MINIMAP }, 'top-right corner');
  const before = views[1];
  const after = views[2];
  assert.equal(after.cx, target.x, 'the cursor went to the clicked spot');
  assert.equal(after.cy, target.y);
  assert.equal(after.scale, before.scale, 'the zoom stays');
  // the view is centred on the pixel clicked on the minimap
  const centreX = (after.aw / 2 - after.ox) / after.scale;
  const centreY = (after.ah / 2 - after.oy) / after.scale;
  assert.ok(Math.abs(centreX - (target.x + 0.5)) < 0.01, `centre x ${centreX}`);
  assert.ok(Math.abs(centreY - (target.y + 0.5)) < 0.01, `centre y ${centreY}`);
  assert.ok(Math.abs(before.ox - after.ox) > 100, 'the view moved');
  assert.deepEqual(views[3].mini, { x: 0, y: 0, w: 0, h: 0 }, 'm hides it again');
  // the minimap frames the part shown: its left edge, orange, where the view's left edge maps
  const img = readBmp(shot);
  const leftX = mx + ((0 - after.ox) / after.scale) * k;
  const midY = my + (target.y + 0.5) * k;
  const found = [-1, 0, 1].some((d) => {
    const [cr, cg, cb] = img.get(Math.round(leftX) + d, midY);
    return cr > 200 && cg > 40 && cg < 110 && cb < 60;
  });
  assert.ok(found, `the frame's left edge near x=${leftX.toFixed(1)}: ${[-1, 0, 1].map((d) => img.get(Math.round(leftX) + d, midY)).join(' ')}`);
});
