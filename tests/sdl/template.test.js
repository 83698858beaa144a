// place-sdl's templates (docs/templates.md): --template URL --at X,Y from a loopback HTTP
// server; the translucent overlay and the dots on screenshots, the match count in the bar
// (script: wait status), o, O, and n (the nearest wrong pixel, its colour chosen) then Space.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { startServer } from '../server/lib/server.js';
import { connect, fetchSnapshot } from '../server/lib/client.js';
import { pngFromRows, hexRgba, servePng } from '../server/lib/png.js';
import { startXvfb, runSdl, readBmp, rgb, tempDir, fitView, centreOf } from './lib/sdl.js';

const cleanups = [];
let xvfb;

before(async () => {
  xvfb = await startXvfb();
});

after(async () => {
  for (const f of cleanups.reverse()) {
    try { await f(); } catch { /* best effort */ }
  }
  await xvfb.stop();
});

function workDir() {
  const d = tempDir('place-sdl-tmpl-');
  if (process.env.PLACE_SDL_KEEP) console.log(`screenshots in ${d}`);
  else cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

const CLEAR = [0, 0, 0, 0];
// 4x3: a red row; blue, two don't-care pixels, a near-blue; a black row. 10 pixels count.
function template() {
  return pngFromRows([
    [hexRgba('#E50000'), hexRgba('#E50000'), hexRgba('#E50000'), hexRgba('#E50000')],
    [hexRgba('#0083C7'), CLEAR, CLEAR, [10, 140, 190, 255]],
    [hexRgba('#222222'), hexRgba('#222222'), hexRgba('#222222'), hexRgba('#222222')],
  ]);
}

function near(got, want, what, tol = 4) {
  assert.ok(got.every((v, i) => Math.abs(v - want[i]) <= tol), `${what}: got ${got}, wanted about ${want}`);
}

test('a template from a URL: 50% overlay, o hides it, n then Space counts one more, dots', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  cleanups.push(async () => { await srv.stop(); srv.cleanup(); });
  const pal = (await (await fetch(`${srv.url}/api/v1/canvas/info`)).json()).palette.map(rgb);
  const files = await servePng({ '/t.png': template() });
  cleanups.push(() => files.close());
  const other = await connect(srv.wsUrl);
  cleanups.push(() => other.close());
  assert.equal((await other.placeAndWait(10, 5, 5, 'a')).type, 'placed');
  assert.equal((await other.placeAndWait(13, 6, 12, 'b')).type, 'placed');

  const dir = workDir();
  const v = fitView(640, 480, 64, 64);
  const shots = Object.fromEntries(['overlay', 'hidden', 'dots'].map((n) => [n, path.join(dir, `${n}.bmp`)]));
  const [zx, zy] = centreOf(v, 0, 0);
  const r = await runSdl({
    url: srv.url, display: xvfb.display, dir,
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
  assert.equal(r.code, 0, `place-sdl exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  assert.doesNotMatch(r.stderr, /AddressSanitizer|LeakSanitizer|runtime error:/);

  // 50% of the template's red over the white canvas at 11,5; the canvas alone beside it
  const over = readBmp(shots.overlay);
  const half = (a, b) => a.map((c, i) => Math.round((c * 127 + b[i] * 128) / 255));
  near(over.get(...centreOf(v, 11, 5)), half(pal[5], pal[0]), 'red at 50% over white');
  near(over.get(...centreOf(v, 12, 7)), half(pal[3], pal[0]), 'black at 50% over white');
  assert.deepEqual(over.get(...centreOf(v, 11, 6)), pal[0], 'a don\'t-care pixel: the canvas');
  near(over.get(...centreOf(v, 10, 5)), pal[5], 'red under red stays red', 2);
  assert.deepEqual(readBmp(shots.hidden).get(...centreOf(v, 11, 5)), pal[0], 'hidden: the canvas');

  // Space placed the blue that n chose at 10,6
  for (let i = 0; ; i++) {
    const { snap } = await fetchSnapshot(srv.url);
    if (snap.get(10, 6) === 12) break;
    assert.ok(i < 25, 'the server stores blue at 10,6');
    await new Promise((res) => setTimeout(res, 200));
  }

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
    url: 'http://127.0.0.1:9', display: xvfb.display, dir, args: ['--template', broken], script: ['quit'],
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /place-sdl: template: .*broken\.png: a malformed PNG/);
});
