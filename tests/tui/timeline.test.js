// End-to-end: place-tui's time mode (t) and heatmap (w) against the real placed, in a private
// tmux server; assertions on the terminal's cells and status line.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { paint } from '../lib/harness.js';
import { connected, finish, tuiHarness } from './lib/harness.js';

// seq 1..6: (10,10) changes at seqs 1, 3, 5 and 6
const HISTORY = [[10, 10, 5], [11, 10, 3], [10, 10, 12], [12, 10, 10], [10, 10, 8], [10, 10, 15]];

const h = tuiHarness();

const DATE = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d';

test('t shows earlier moments of the canvas with their seq and time; t again is live, with what was placed meanwhile; w overlays the heatmap', async () => {
  const srv = await h.server(['--cooldown', '0', '--batch-ms', '50']);
  const pal = await h.palette(srv);
  const b = await h.client(srv, null, { localAddress: '127.0.0.2' });
  await paint(b, HISTORY, 'h');

  const t = h.tui(srv.url);
  await t.waitFor(connected, 'connected');
  t.keys('g', '30,30', 'Enter'); // the cursor (it previews the colour) away from the pixels
  await t.waitFor((s) => s.pixel(10, 10) === pal[15], 'the live canvas: purple at 10,10');

  t.keys('t');
  await t.waitFor((s) => new RegExp(`TIME seq 6/6, ${DATE}, paused`).test(s.statusLine()), 'time mode at seq 6 with its time');
  t.keys(',');
  await t.waitFor((s) => new RegExp(`TIME seq 5/6, ${DATE}, paused`).test(s.statusLine()), 'one step back: seq 5');
  assert.equal(t.pixel(10, 10), pal[8], 'seq 5: yellow at 10,10');
  t.keys('<');
  await t.waitFor((s) => /TIME seq 0\/6, before the first pixel, paused/.test(s.statusLine()), 'ten steps back: the blank canvas');
  assert.equal(t.pixel(10, 10), pal[0]);
  assert.equal(t.pixel(11, 10), pal[0]);
  t.keys('.', '.');
  await t.waitFor((s) => new RegExp(`TIME seq 2/6, ${DATE}, paused`).test(s.statusLine()), 'two steps forward: seq 2');
  assert.equal(t.pixel(10, 10), pal[5], 'seq 2: red at 10,10');
  assert.equal(t.pixel(11, 10), pal[3], 'seq 2: black at 11,10');
  assert.equal(t.pixel(12, 10), pal[0], 'seq 4 not yet');

  // placing is off; another player's pixel goes into the live canvas, not into the past
  t.keys('Enter');
  t.keys('Space'); // Enter played, Space pauses: both toggle play in time mode
  await paint(b, [[14, 10, 13]], 'm');
  await t.waitFor((s) => /TIME seq \d+\/7/.test(s.statusLine()), 'the newest seq follows the live canvas');
  t.keys('Escape');
  await t.waitFor(connected, 'Esc: back to live');
  await t.waitFor((s) => s.pixel(14, 10) === pal[13], 'the pixel placed meanwhile');
  assert.equal(t.pixel(10, 10), pal[15]);
  assert.match(t.messageLine(), /Back to the live canvas/);

  t.keys('t');
  await t.waitFor((s) => /TIME seq 7\/7/.test(s.statusLine()), 'time mode again');
  await t.waitFor((s) => s.pixel(14, 10) === pal[13], 'the newest moment has it');
  t.keys('Space', 'Space'); // placing? no: play (at the newest: from the start) and pause
  await new Promise((r) => setTimeout(r, 200));
  const hist = await (await fetch(`${srv.url}/api/v1/pixel?x=30&y=30`)).json();
  assert.deepEqual(hist.placements, [], 'nothing was placed from time mode');
  t.keys('t');
  await t.waitFor(connected, 'live again');

  t.keys('w');
  await t.waitFor((s) => /Heatmap: 7 placements in the last hour/.test(s.messageLine()), 'the heatmap');
  assert.equal(t.pixel(10, 10), pal[5], 'the busiest pixel (4 placements) in red');
  assert.equal(t.pixel(12, 10), pal[8], 'a pixel placed once in yellow');
  assert.equal(t.pixel(20, 20), pal[0], 'untouched white stays white');
  t.keys('w');
  await t.waitFor((s) => s.pixel(10, 10) === pal[15], 'w again: the canvas as it is');
  await finish(t);
});
