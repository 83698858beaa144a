// End-to-end tests of place-sdl: the real placed on a loopback ephemeral port with a temporary
// data directory, the real place-sdl on a private Xvfb display (software renderer) driven by a
// script of synthetic input, and assertions on the colours of its screenshots at the screen
// positions the view math predicts, and on what the server stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { runPlaced } from '../server/lib/server.js';
import { fetchSnapshot, paintMany, squareOutline } from '../server/lib/client.js';
import { guestSession, snapshotAt } from '../lib/harness.js';
import { readBmp, fitView, zoomAt, pan, centreOf, swatchCentre } from './lib/sdl.js';
import { expectExit, sdlHarness } from './lib/harness.js';

const WIN_W = 640;
const WIN_H = 480;
const h = sdlHarness('place-sdl-test-');
const { workDir, run: runSdl } = h;
let palette;

async function server(args = []) {
  const srv = await h.server(args);
  if (!palette) palette = await h.palette(srv);
  return srv;
}

// opts.localAddress: another loopback address is another player (cooldowns count per address)
const client = (srv, token, opts) => h.client(srv, token, opts);

function assertColour(shot, x, y, colour, what) {
  assert.deepEqual(shot.get(x, y), palette[colour],
    `${what}: screen (${x.toFixed(1)}, ${y.toFixed(1)}) should show palette ${colour}`);
}

test('a clicked pixel appears at once and is stored by the server', async () => {
  const srv = await server(['--cooldown', '60']);
  const dir = workDir();
  const v = fitView(WIN_W, WIN_H, 64, 64);
  const [sx, sy] = centreOf(v, 20, 10);
  const shot = path.join(dir, 'placed.bmp');
  const r = await runSdl({
    url: srv.url, dir,
    script: [
      'wait connected',
      'key 5', // red
      `click ${Math.round(sx)} ${Math.round(sy)}`,
      'wait message Placed red at 20,10',
      'wait cooldown',
      `shot ${shot}`,
      'quit',
    ],
  });
  expectExit(r);
  const img = readBmp(shot);
  assert.equal(img.width, WIN_W);
  assertColour(img, sx, sy, 5, 'the placed pixel');
  const [nx, ny] = centreOf(v, 23, 10); // far enough from the reticle around (20, 10)
  assertColour(img, nx, ny, 0, 'a pixel beside it');
  assert.equal(await snapshotAt(srv.url, 20, 10, 5), 5, 'the server snapshot has red at 20,10');
  const hist = await (await fetch(`${srv.url}/api/v1/pixel?x=20&y=10`)).json();
  assert.equal(hist.placements.length, 1);
  assert.equal(hist.placements[0].color, 5);
});

test("another client's pixel arrives on screen", async () => {
  const srv = await server(['--cooldown', '60']);
  const dir = workDir();
  const other = await client(srv);
  const v = fitView(WIN_W, WIN_H, 64, 64);
  const shot = path.join(dir, 'other.bmp');
  let placing;
  const r = await runSdl({
    url: srv.url, dir,
    script: [
      'wait connected',
      'echo ready',
      'wait pixel 40 20 13',
      `shot ${shot}`,
      'quit',
    ],
    onLine: (line) => {
      if (line === 'script: ready') placing = other.placeAndWait(40, 20, 13, 'other-1');
    },
  });
  expectExit(r);
  assert.ok(placing, 'place-sdl reported ready');
  assert.equal((await placing).type, 'placed');
  const img = readBmp(shot);
  const [sx, sy] = centreOf(v, 40, 20);
  assertColour(img, sx, sy, 13, "the other client's dark blue pixel");
  const [wx, wy] = centreOf(v, 39, 20);
  assertColour(img, wx, wy, 0, 'the pixel next to it');
});

test('a pixel the server refuses rolls back to what was there, with the reason shown', async () => {
  const srv = await server(['--cooldown', '60']);
  const dir = workDir();
  // Someone else (from another address) paints (30, 30) green first.
  const painter = await client(srv, null, { localAddress: '127.0.0.2' });
  assert.equal((await painter.placeAndWait(30, 30, 10, 'g')).type, 'placed');
  // place-sdl's session places a pixel from elsewhere (another device), so the server's cooldown
  // runs while place-sdl does not know: its next placement is refused with COOLDOWN.
  const { token } = await guestSession(srv, path.join(dir, 'config'));
  const twin = await client(srv, token);
  const v = fitView(WIN_W, WIN_H, 64, 64);
  const [sx, sy] = centreOf(v, 30, 30);
  const shot = path.join(dir, 'rollback.bmp');
  let twinPlaced;
  const r = await runSdl({
    url: srv.url, dir,
    script: [
      'wait connected',
      'wait pixel 30 30 10',
      'echo ready',
      'wait pixel 2 2 8', // the other device's placement, seen through the batch
      'key 5',
      `click ${Math.round(sx)} ${Math.round(sy)}`,
      'wait message taken back',
      `shot ${shot}`,
      'quit',
    ],
    onLine: (line) => {
      if (line === 'script: ready') twinPlaced = twin.placeAndWait(2, 2, 8, 'twin-1');
    },
  });
  expectExit(r);
  assert.equal((await twinPlaced).type, 'placed');
  const img = readBmp(shot);
  assertColour(img, sx, sy, 10, 'the refused pixel shows green again');
  // A red ring around it marks the rollback for a moment.
  const ring = [];
  for (let dx = 4; dx <= 14; dx++) ring.push(img.get(sx - dx, sy).join(','));
  assert.ok(ring.includes(palette[5].join(',')), `a red ring left of the pixel: ${ring.join(' ')}`);
  // The message box at the bottom left of the canvas area is red for an error.
  const msgY = v.areaH - 8 - 12;
  assert.deepEqual(img.get(10, msgY), [176, 0, 32], 'an error message is on screen');
  assert.equal(await snapshotAt(srv.url, 30, 30, 10), 10, 'the server kept green');
});

test('zoom around the pointer and a drag put a pixel where the view math says', async () => {
  const srv = await server(['--cooldown', '0']);
  const dir = workDir();
  const other = await client(srv);
  assert.equal((await other.placeAndWait(45, 50, 12, 'b')).type, 'placed');
  let v = fitView(WIN_W, WIN_H, 64, 64);
  const zoomed = path.join(dir, 'zoomed.bmp');
  const fitted = path.join(dir, 'fitted.bmp');
  const r = await runSdl({
    url: srv.url, dir,
    script: [
      'wait connected',
      'wait pixel 45 50 12',
      'wheel 400 300 3', // three notches in, around the pointer
      'drag 300 200 240 150', // the canvas follows the pointer: (-60, -50); handled before the next step
      `shot ${zoomed}`,
      'key z', // back to the whole canvas
      `shot ${fitted}`,
      'quit',
    ],
  });
  expectExit(r);
  const start = v;
  const beforePan = zoomAt(v, 1.25 ** 3, 400, 300);
  v = pan(beforePan, -60, -50);
  const img = readBmp(zoomed);
  const [bx, by] = centreOf(v, 45, 50);
  assert.ok(bx > 0 && bx < v.areaW && by > 0 && by < v.areaH, 'the pixel is on screen');
  assertColour(img, bx, by, 12, 'the blue pixel after zoom and pan');
  const [lx, ly] = centreOf(v, 44, 50);
  assertColour(img, lx, ly, 0, 'its left neighbour');
  // Where it was before zooming there is now another, white, pixel.
  const [ox, oy] = centreOf(start, 45, 50);
  assertColour(img, ox, oy, 0, 'the old position');
  // A drag pans; it does not place.
  const dx = Math.floor((300 - beforePan.ox) / beforePan.scale);
  const dy = Math.floor((200 - beforePan.oy) / beforePan.scale);
  assert.equal((await fetchSnapshot(srv.url)).snap.get(dx, dy), 0, `nothing placed at ${dx},${dy}`);
  const fit = readBmp(fitted);
  const [fx, fy] = centreOf(start, 45, 50);
  assertColour(fit, fx, fy, 12, 'the blue pixel after z (fit)');
});

test('a banner says so while the server is gone; it reconnects by itself when it is back', async () => {
  const srv = await server(['--cooldown', '0']);
  const dir = workDir();
  const other = await client(srv);
  assert.equal((await other.placeAndWait(12, 40, 7, 'brown')).type, 'placed');
  other.close();
  const v = fitView(WIN_W, WIN_H, 64, 64);
  const before = path.join(dir, 'before.bmp');
  const gone = path.join(dir, 'gone.bmp');
  const back = path.join(dir, 'back.bmp');
  const [ex, ey] = centreOf(v, 13, 14);
  let again;
  let placedAfter;
  const steps = [];
  const r = await runSdl({
    url: srv.url, dir,
    script: [
      'wait connected',
      'wait pixel 12 40 7',
      `shot ${before}`,
      'echo ready',
      'wait disconnected',
      'wait banner Disconnected - retrying in',
      `shot ${gone}`,
      // placing while down: refused in words, without a second countdown beside the banner's
      `move ${Math.round(ex)} ${Math.round(ey)}`,
      'key Space',
      'wait message Not connected to the server: the pixel was not placed. The client reconnects by itself (r: now).',
      'echo down',
      'wait connected 20000', // the engine retries with backoff
      'echo back',
      'wait pixel 11 12 9',
      'key e', // magenta
      `click ${Math.round(ex)} ${Math.round(ey)}`,
      'wait message Placed magenta at 13,14',
      `shot ${back}`,
      'quit',
    ],
    timeoutMs: 90000,
    onLine: (line) => {
      if (line === 'script: ready') steps.push(srv.stop());
      if (line === 'script: down') {
        // Same port, same data directory.
        steps.push(srv.exited.then(async () => {
          again = await h.server(['--cooldown', '0', '--port', String(srv.port)], { dataDir: srv.dataDir });
        }));
      }
      if (line === 'script: back') {
        placedAfter = (async () => {
          const c = await client(again);
          return c.placeAndWait(11, 12, 9, 'after');
        })();
      }
    },
  });
  expectExit(r);
  await Promise.all(steps);
  assert.equal((await placedAfter).type, 'placed');
  const ok = readBmp(before);
  assert.notDeepEqual(ok.get(5, 5), [176, 0, 32], 'no banner while connected');
  const img = readBmp(gone);
  assert.deepEqual(img.get(5, 5), [176, 0, 32], 'a red banner at the top');
  assert.deepEqual(img.get(WIN_W - 5, 5), [176, 0, 32], 'across the window');
  const [bx, by] = centreOf(v, 12, 40);
  assertColour(img, bx, by, 7, 'the canvas is still shown');
  const after = readBmp(back);
  assert.notDeepEqual(after.get(5, 5), [176, 0, 32], 'the banner is gone after the reconnect');
  assertColour(after, bx, by, 7, 'the pixel from before the restart');
  const [nx, ny] = centreOf(v, 11, 12);
  assertColour(after, nx, ny, 9, "another client's pixel after the reconnect");
  assertColour(after, ex, ey, 14, 'a pixel placed after the reconnect');
  assert.equal(await snapshotAt(again.url, 13, 14, 14), 14, 'the restarted server stored it');
});

test('palette click, arrow keys and Space place at the reticle; Ctrl+click opens the history', async () => {
  const srv = await server(['--cooldown', '60']);
  const dir = workDir();
  const v = fitView(WIN_W, WIN_H, 64, 64);
  const [px, py] = centreOf(v, 10, 10);
  const [swx, swy] = swatchCentre(v, 12);
  const shot = path.join(dir, 'keys.bmp');
  const info = path.join(dir, 'info.bmp');
  const r = await runSdl({
    url: srv.url, dir,
    script: [
      'wait connected',
      `click ${Math.round(swx)} ${Math.round(swy)}`, // the blue swatch
      `move ${Math.round(px)} ${Math.round(py)}`, // reticle on (10, 10)
      'key Right',
      'key Right',
      'key Down', // (12, 11)
      'key Space',
      'wait message Placed blue at 12,11',
      `shot ${shot}`,
      `click ${Math.round(px)} ${Math.round(py)} ctrl`,
      'wait info',
      `shot ${info}`,
      'quit',
    ],
  });
  expectExit(r);
  const img = readBmp(shot);
  const [bx, by] = centreOf(v, 12, 11);
  assertColour(img, bx, by, 12, 'the pixel placed with Space');
  assertColour(img, px, py, 0, 'where the pointer was');
  assert.equal(await snapshotAt(srv.url, 12, 11, 12), 12, 'the server has blue at 12,11');
  assert.equal((await fetchSnapshot(srv.url)).snap.get(10, 10), 0, 'Ctrl+click placed nothing');
  const box = readBmp(info);
  assert.deepEqual(box.get(v.areaW / 2, v.areaH / 2), [24, 24, 28], 'the history box is shown');
  assert.notDeepEqual(img.get(v.areaW / 2, v.areaH / 2), [24, 24, 28], 'and was not before');
});

test('u registers and logs in inside the client (a small form); the stored session is the user', async () => {
  const srv = await server(['--cooldown', '0']);
  const dir = workDir();
  const v = fitView(WIN_W, WIN_H, 64, 64);
  const form = path.join(dir, 'form.bmp');
  const r = await runSdl({
    url: srv.url, dir,
    script: [
      'wait connected',
      // bad input: both reasons at once, in the browser's words, nothing sent
      'key u', 'key Tab', 'type ab', 'key Return', 'type short', 'key Return',
      'wait message Usernames are 3–32 letters, digits, _ or -. Passwords need at least 8 characters.',
      // register for real
      'key u', 'key Tab', 'type sdl_painter', 'key Return', 'type a long password',
      `shot ${form}`,
      'key Return',
      'wait message Welcome to Place, sdl_painter!',
      'wait connected',
      'key 5',
      `click ${Math.round(centreOf(v, 7, 8)[0])} ${Math.round(centreOf(v, 7, 8)[1])}`,
      'wait message Placed red at 7,8',
      'quit',
    ],
  });
  expectExit(r);
  const img = readBmp(form);
  assert.deepEqual(img.get(v.areaW / 2, v.areaH / 2), [24, 24, 28], 'the form is shown');
  const tokenFile = path.join(dir, 'config', 'place', 'session');
  const token = fs.readFileSync(tokenFile, 'utf8').trim();
  const me = await (await fetch(`${srv.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).json();
  assert.equal(me.username, 'sdl_painter');
  assert.equal(me.isGuest, false);
  const hist = await (await fetch(`${srv.url}/api/v1/pixel?x=7&y=8`)).json();
  assert.equal(hist.placements[0].username, 'sdl_painter', 'placed as the new user');

  // a fresh client: a wrong password in words, then the right one
  const dir2 = workDir();
  const r2 = await runSdl({
    url: srv.url, dir: dir2,
    script: [
      'wait connected',
      'key u', 'type sdl_painter', 'key Return', 'type not the password', 'key Return',
      'wait message Wrong username or password',
      'key u', 'type sdl_painter', 'key Return', 'type a long password', 'key Return',
      'wait message Welcome back, sdl_painter.',
      'wait connected',
      'quit',
    ],
  });
  expectExit(r2);
  const token2 = fs.readFileSync(path.join(dir2, 'config', 'place', 'session'), 'utf8').trim();
  const me2 = await (await fetch(`${srv.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token2}` } })).json();
  assert.equal(me2.username, 'sdl_painter');
});

test('whole-canvas zoom keeps a 1-pixel square outline visible on all four sides', async () => {
  const srv = await server(['--cooldown', '0', '--width', '2000', '--height', '2000']);
  const [x0, y0, x1, y1] = [900, 900, 1059, 1059];
  await paintMany(srv.wsUrl, squareOutline(x0, y0, x1, y1, 3));
  const dir = workDir();
  const shot = path.join(dir, 'overview.bmp');
  const r = await runSdl({
    url: srv.url, dir,
    script: ['wait connected', `wait pixel ${x1} ${y1} 3`, 'move 2 2', `shot ${shot}`, 'quit'],
  });
  expectExit(r);
  const img = readBmp(shot);
  const v = fitView(WIN_W, WIN_H, 2000, 2000);
  assert.ok(v.scale < 0.25, `whole-canvas zoom: ${v.scale} screen pixels a canvas pixel`);
  const black = palette[3];
  const mid = (x0 + x1) / 2;
  // a line is one screen pixel wide at most: look at the pixels across it
  const across = (x, y, dx, dy) => [-1, 0, 1].some((k) => {
    const [sx, sy] = centreOf(v, x, y);
    const p = img.get(Math.round(sx + k * dx), Math.round(sy + k * dy));
    return p[0] === black[0] && p[1] === black[1] && p[2] === black[2];
  });
  assert.ok(across(mid, y0, 0, 1), 'the top side is visible');
  assert.ok(across(mid, y1, 0, 1), 'the bottom side is visible');
  assert.ok(across(x0, mid, 1, 0), 'the left side is visible');
  assert.ok(across(x1, mid, 1, 0), 'the right side is visible');
  assertColour(img, ...centreOf(v, mid, mid), 0, 'inside the square');
});

test('with no canvas at all the banner does not speak of an out-of-date canvas; red is the first colour', async () => {
  const srv = await server();
  const url = srv.url;
  await srv.stop(); // nothing listens on this port now
  const dir = workDir();
  const shot = path.join(dir, 'nocanvas.bmp');
  const r = await runSdl({
    url, dir,
    script: ['wait disconnected', 'wait banner Cannot reach the server - retrying in', 'wait banner No canvas loaded yet.', `shot ${shot}`,
      // r tries at once (the engine's reconnect_now, timed in place-tui's tests)
      'wait disconnected', 'key r', 'wait message Reconnecting now...', 'wait disconnected', 'quit'],
  });
  expectExit(r);
  const img = readBmp(shot);
  assert.deepEqual(img.get(5, 5), [176, 0, 32], 'the red banner');
  // the colour a new player starts with is the browser's, red: its swatch has the white frame
  // (2 px, 3 px out from the 22 px swatch), black's (the old start) has none
  const v = fitView(WIN_W, WIN_H, 64, 64);
  const frame = (i) => {
    const [cx, cy] = swatchCentre(v, i);
    return img.get(Math.round(cx) - 13, Math.round(cy)).join(',');
  };
  assert.equal(frame(5), '255,255,255', 'red is the chosen colour');
  assert.notEqual(frame(3), '255,255,255', 'black is not');
});

test('a canvas of several textures: pixels on tile edges land where they should', async () => {
  // 600 x 300 = 3 x 2 tiles of 256 px, the last column 88 wide and the last row 44 high.
  const srv = await server(['--cooldown', '0', '--width', '600', '--height', '300']);
  const dir = workDir();
  const painter = await client(srv);
  const pixels = [[255, 10, 5], [256, 10, 12], [256, 255, 10], [255, 256, 14], [599, 299, 7]];
  for (const [x, y, c] of pixels) {
    assert.equal((await painter.placeAndWait(x, y, c, `p${x}-${y}`)).type, 'placed');
  }
  const fit = fitView(WIN_W, WIN_H, 600, 300);
  const at = (v, x, y) => centreOf(v, x, y).map(Math.round);
  const [ax, ay] = at(fit, 256, 10);
  const [bx, by] = at(fit, 256, 256);
  const [cx, cy] = at(fit, 595, 295);
  const shots = ['edge1', 'edge2', 'corner'].map((n) => path.join(dir, `${n}.bmp`));
  const r = await runSdl({
    url: srv.url, dir,
    script: [
      'wait connected',
      ...pixels.map(([x, y, c]) => `wait pixel ${x} ${y} ${c}`),
      `wheel ${ax} ${ay} 8`,
      `move 5 5`, // the reticle away from the pixels checked
      `shot ${shots[0]}`,
      'key z',
      `wheel ${bx} ${by} 8`,
      `move 5 5`,
      `shot ${shots[1]}`,
      'key z',
      `wheel ${cx} ${cy} 8`,
      'drag 400 300 200 200', // the corner went off screen: bring it back
      `move 5 5`,
      `shot ${shots[2]}`,
      'quit',
    ],
  });
  expectExit(r);
  const check = (file, px, py, expect, dx = 0, dy = 0) => {
    const v = pan(zoomAt(fit, 1.25 ** 8, px, py), dx, dy);
    const img = readBmp(file);
    for (const [x, y, c] of expect) {
      const [sx, sy] = centreOf(v, x, y);
      assertColour(img, sx, sy, c, `${path.basename(file)}: pixel ${x},${y}`);
    }
  };
  check(shots[0], ax, ay, [[255, 10, 5], [256, 10, 12], [257, 10, 0], [254, 10, 0], [256, 11, 0]]);
  check(shots[1], bx, by, [[256, 255, 10], [255, 256, 14], [255, 255, 0], [256, 256, 0]]);
  check(shots[2], cx, cy, [[599, 299, 7], [598, 299, 0], [599, 298, 0]], -200, -100);
});

test('banned while connected: the ban in words on screen, placing refused, no "connection lost"', async () => {
  const srv = await server(['--cooldown', '0']);
  const dir = workDir();
  const { token, userId } = await guestSession(srv, path.join(dir, 'config'));
  const v = fitView(WIN_W, WIN_H, 64, 64);
  const [sx, sy] = centreOf(v, 12, 12);
  const shot = path.join(dir, 'banned.bmp');
  let banned;
  const r = await runSdl({
    url: srv.url, dir,
    script: [
      'wait connected',
      'echo ready',
      'wait message You are banned from placing pixels: vandalism.',
      'wait connected', // back, with the same session, to watch
      'key 5',
      `click ${Math.round(sx)} ${Math.round(sy)}`,
      'wait message You are banned from placing pixels',
      `shot ${shot}`,
      'quit',
    ],
    onLine: (line) => {
      if (line === 'script: ready') banned = runPlaced(['--data-dir', srv.dataDir, '--ban-id', userId, '--reason', 'vandalism']);
    },
  });
  expectExit(r);
  assert.equal(banned.code, 0, banned.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /connection to the server was lost/i);
  const img = readBmp(shot);
  assertColour(img, sx, sy, 0, 'nothing was placed');
  const msgY = v.areaH - 8 - 12;
  assert.deepEqual(img.get(10, msgY), [176, 0, 32], 'the ban is on screen as an error message');
  assert.equal(await snapshotAt(srv.url, 12, 12, 0), 0, 'the server has nothing there');
});
