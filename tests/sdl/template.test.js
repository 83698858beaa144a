// place-sdl's templates (docs/templates.md): --template URL --at X,Y from a loopback HTTP
// server; the translucent overlay and the dots on screenshots, the match count in the bar
// (script: wait status), o, O, and n (the nearest wrong pixel, its colour chosen) then Space.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { servePng } from '../server/lib/png.js';
import { snapshotWhere, templatePng as template } from '../lib/harness.js';
import { readBmp, fitView, centreOf } from './lib/sdl.js';
import { expectExit, sdlHarness } from './lib/harness.js';

const h = sdlHarness('place-sdl-tmpl-');
const { workDir, run: runSdl } = h;

function near(got, want, what, tol = 4) {
  assert.ok(got.every((v, i) => Math.abs(v - want[i]) <= tol), `${what}: got ${got}, wanted about ${want}`);
}

test('a template from a URL: 50% overlay, o hides it, n then Space counts one more, dots', async () => {
  const srv = await h.server(['--cooldown', '0']);
  const pal = await h.palette(srv);
  const files = await servePng({ '/t.png': template() });
  h.defer(() => files.close());
  const other = await h.client(srv);
  assert.equal((await other.placeAndWait(10, 5, 5, 'a')).type, 'placed');
  assert.equal((await other.placeAndWait(13, 6, 12, 'b')).type, 'placed');

  const dir = workDir();
  const v = fitView(640, 480, 64, 64);
  const shots = Object.fromEntries(['overlay', 'hidden', 'dots'].map((n) => [n, path.join(dir, `${n}.bmp`)]));
  const [zx, zy] = centreOf(v, 0, 0);
  const r = await runSdl({
    url: srv.url, dir,
    args: ['--template', `${files.url}/t.png`, '--at', '10,5'],
    script: [
      'wait connected',
      `move ${Math.round(zx)} ${Math.round(zy)}`, // the cursor on 0,0
      'wait status 2 of 10 pixels match',
      `shot ${shots.overlay}`,
      'key o',
      'wait message Template hidden.',
      `shot ${shots.hidden}`,
      'key o',
      'key 0', // white, so that n is seen to choose blue
      'key n',
      'wait message 10,6 should be blue (it is white); 2 of 10 pixels match.',
      'wait status x=10 y=6 white',
      'key Space',
      'wait status 3 of 10 pixels match',
      'key O',
      'key O',
      'key O',
      'wait message Template style: dots.',
      'view',
      `shot ${shots.dots}`,
      'quit',
    ],
  });
  expectExit(r);

  // 50% of the template's red over the white canvas at 11,5; the canvas alone beside it
  const over = readBmp(shots.overlay);
  const half = (a, b) => a.map((c, i) => Math.round((c * 127 + b[i] * 128) / 255));
  near(over.get(...centreOf(v, 11, 5)), half(pal[5], pal[0]), 'red at 50% over white');
  near(over.get(...centreOf(v, 12, 7)), half(pal[3], pal[0]), 'black at 50% over white');
  assert.deepEqual(over.get(...centreOf(v, 11, 6)), pal[0], 'a don\'t-care pixel: the canvas');
  near(over.get(...centreOf(v, 10, 5)), pal[5], 'red under red stays red', 2);
  assert.deepEqual(readBmp(shots.hidden).get(...centreOf(v, 11, 5)), pal[0], 'hidden: the canvas');

  // Space placed the blue that n chose at 10,6
  await snapshotWhere(srv.url, (s) => s.get(10, 6) === 12, 'blue at 10,6 (the server stores it)');

  // dots: n zoomed in; a dot of the template's colour in each pixel's middle, the canvas around
  const m = r.stdout.match(/view: scale=([\d.]+) ox=(-?[\d.]+) oy=(-?[\d.]+)/);
  assert.ok(m, r.stdout);
  const zv = { scale: Number(m[1]), ox: Number(m[2]), oy: Number(m[3]) };
  assert.ok(zv.scale >= 6, `zoomed in enough for dots: ${zv.scale}`);
  const dots = readBmp(shots.dots);
  const at = (x, y, fx, fy) => dots.get(zv.ox + (x + fx) * zv.scale, zv.oy + (y + fy) * zv.scale);
  assert.deepEqual(at(12, 5, 0.5, 0.5), pal[5], 'a red dot in the middle of 12,5');
  assert.deepEqual(at(12, 5, 0.1, 0.1), pal[0], 'white around it');
  assert.deepEqual(at(12, 7, 0.5, 0.5), pal[3], 'a black dot at 12,7');
  assert.deepEqual(at(11, 6, 0.5, 0.5), pal[0], 'no dot on a don\'t-care pixel');
});

test('a malformed template file is refused with its name and the reason', async () => {
  const dir = workDir();
  const broken = path.join(dir, 'broken.png');
  fs.writeFileSync(broken, template().subarray(0, 50));
  const r = await runSdl({
    url: 'http://127.0.0.1:9', dir, args: ['--template', broken], script: ['quit'],
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /place-sdl: template: .*broken\.png: a malformed PNG/);
});
