// End-to-end: place-sdl's time mode (t , . < >) and heatmap (w) against the real placed, on a
// private Xvfb display driven by a script; assertions on its screenshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { paint } from '../lib/harness.js';
import { readBmp, fitView, centreOf } from './lib/sdl.js';
import { expectExit, sdlHarness } from './lib/harness.js';

const WIN_W = 640;
const WIN_H = 480;
// seq 1..6: (10,10) changes at seqs 1, 3, 5 and 6
const HISTORY = [[10, 10, 5], [11, 10, 3], [10, 10, 12], [12, 10, 10], [10, 10, 8], [10, 10, 15]];
const h = sdlHarness('place-sdl-time-');

test('stepping back shows the earlier colour, t returns to live, w overlays the heatmap', async () => {
  const srv = await h.server(['--cooldown', '0', '--batch-ms', '50']);
  const palette = await h.palette(srv);
  const b = await h.client(srv, null, { localAddress: '127.0.0.2' });
  await paint(b, HISTORY, 'h');
  const dir = h.workDir();
  const shot = (n) => path.join(dir, n);
  let meanwhile;
  const r = await h.run({
    url: srv.url, dir,
    script: [
      'wait connected',
      'wait pixel 10 10 15',
      `shot ${shot('live.bmp')}`,
      'key t',
      'wait time 6',
      'key ,',
      'wait time 5',
      `shot ${shot('seq5.bmp')}`,
      'key <',
      'wait time 0',
      'key .',
      'key .',
      'wait time 2',
      `shot ${shot('seq2.bmp')}`,
      'key Space', // play from seq 2; > while playing: faster
      'key >',
      'wait message Playing at 2x.',
      'key Space', // pause
      'echo place now',
      'wait banner /7, ', // the placement made meanwhile is the newest moment now: seq N/7
      'key Return', // in time mode: play, not place
      'key Escape',
      'wait pixel 14 10 13',
      `shot ${shot('back.bmp')}`,
      'key w',
      'wait heatmap',
      'wait pixel 10 10 5',
      `shot ${shot('heat.bmp')}`,
      'quit',
    ],
    onLine: (line) => {
      if (line === 'script: place now') meanwhile = b.placeAndWait(14, 10, 13, 'm');
    },
  });
  expectExit(r);
  assert.equal((await meanwhile).type, 'placed');
  const v = fitView(WIN_W, WIN_H, 64, 64);
  const at = (img, x, y) => img.get(...centreOf(v, x, y));
  const live = readBmp(shot('live.bmp'));
  assert.deepEqual(at(live, 10, 10), palette[15], 'live: purple');
  const seq5 = readBmp(shot('seq5.bmp'));
  assert.deepEqual(at(seq5, 10, 10), palette[8], 'one step back (seq 5): yellow');
  assert.deepEqual(at(seq5, 12, 10), palette[10], 'seq 5 has the green of seq 4');
  const seq2 = readBmp(shot('seq2.bmp'));
  assert.deepEqual(at(seq2, 10, 10), palette[5], 'seq 2: red');
  assert.deepEqual(at(seq2, 11, 10), palette[3], 'seq 2: black');
  assert.deepEqual(at(seq2, 12, 10), palette[0], 'seq 2: no green yet');
  const back = readBmp(shot('back.bmp'));
  assert.deepEqual(at(back, 10, 10), palette[15], 'back to live: purple');
  assert.deepEqual(at(back, 14, 10), palette[13], 'and the pixel placed meanwhile');
  const heat = readBmp(shot('heat.bmp'));
  assert.deepEqual(at(heat, 10, 10), palette[5], 'heatmap: the busiest pixel red');
  assert.deepEqual(at(heat, 12, 10), palette[8], 'heatmap: a pixel placed once yellow');
  assert.deepEqual(at(heat, 40, 40), palette[0], 'heatmap: untouched white stays white');
  const hist = await (await fetch(`${srv.url}/api/v1/pixel?x=32&y=32`)).json();
  assert.deepEqual(hist.placements, [], 'Return in time mode placed nothing');
});
