// place-tui's players-online count and cooldown-ready bell (issue 16): the real placed and the
// real place-tui in a private tmux server; the count read from the status line, the bell from
// the bytes place-tui writes to its terminal (tmux pipe-pane copies the pane's output to a file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { connected, finish, tuiHarness } from './lib/harness.js';

const PERIOD_MS = 2000; // the players-online period docs/protocol.md announces
const h = tuiHarness();
const { server, tui } = h;

const online = (t) => { const m = /[ |](\d+) online[ |]/.exec(t.statusLine()); return m ? Number(m[1]) : null; };

test('the status line counts the players online: 3, then 2 within the period when one leaves', async () => {
  const srv = await server(['--cooldown', '0']);
  const a = tui(srv.url);
  const b = tui(srv.url);
  const other = await h.client(srv); // a third player, in a browser or elsewhere
  await a.waitFor((s) => online(s) === 3, 'place-tui A to show 3 online', 8000);
  await b.waitFor((s) => online(s) === 3, 'place-tui B to show 3 online', 8000);
  other.close();
  const left = Date.now();
  await a.waitFor((s) => online(s) === 2, 'A to show 2 online', PERIOD_MS + 2000);
  await b.waitFor((s) => online(s) === 2, 'B to show 2 online', PERIOD_MS + 2000);
  assert.ok(Date.now() - left <= PERIOD_MS + 2000, `${Date.now() - left} ms`);
  await finish(a);
  await b.waitFor((s) => online(s) === 1, 'B alone: 1 online', PERIOD_MS + 2000);
  await finish(b);
});

// Places a pixel and waits out the 2 s cooldown; returns the terminal output from before the
// placement to just after the cooldown ended, and the part of it written before the end.
async function waitOutCooldown(t, outFile) {
  await t.waitFor(connected, 'the status line to say connected');
  t.tmux('pipe-pane', '-o', `cat >> '${outFile}'`);
  t.keys('g', '5,5', 'Enter', 'Space');
  await t.waitFor((s) => s.messageLine().includes('Placed red at 5,5.'), 'the placement');
  await t.waitFor((s) => /\| wait \d+ s \|/.test(s.statusLine()), 'the cooldown on the status line');
  const during = fs.readFileSync(outFile);
  await t.waitFor((s) => /\| ready \|/.test(s.statusLine()), 'the status line to say ready', 5000);
  await new Promise((r) => setTimeout(r, 300)); // pipe-pane's copy catches up
  return { during, all: fs.readFileSync(outFile) };
}

test('place-tui rings the terminal bell (BEL) when the cooldown ends', async () => {
  const srv = await server(['--cooldown', '2']);
  const out = path.join(h.tmpDir('place-tui-out-'), 'pane');
  const t = tui(srv.url);
  const { during, all } = await waitOutCooldown(t, out);
  assert.equal(during.includes(0x07), false, 'no bell while the cooldown runs');
  assert.equal(all.filter((c) => c === 0x07).length, 1, 'one bell once it ended');
  await finish(t);
});

test('place-tui --no-bell stays quiet: the status line alone says ready', async () => {
  const srv = await server(['--cooldown', '2']);
  const out = path.join(h.tmpDir('place-tui-out-'), 'pane');
  const t = tui(srv.url, { args: ['--no-bell'] });
  const { all } = await waitOutCooldown(t, out);
  assert.equal(all.includes(0x07), false, 'no bell');
  await finish(t);
});
