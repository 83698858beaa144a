// place-tui and the live rules (placed --freeze / --unfreeze / --set) changed on the running
// server: the real placed and the real place-tui in a private tmux server; assertions on what
// the terminal shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { fetchSnapshot } from '../server/lib/client.js';
import { admin } from '../lib/harness.js';
import { connected, finish, tuiHarness } from './lib/harness.js';

const h = tuiHarness();

test('--freeze shows FROZEN and the reason and refuses to place; --unfreeze; --set cooldown=5 is the countdown of the next pixel', async () => {
  const srv = await h.server(['--cooldown', '300']);
  const t = h.tui(srv.url);
  await t.waitFor(connected, 'connected');
  assert.match(t.statusLine(), /ready/);

  admin(srv, '--freeze', '--reason', 'the event is over');
  await t.waitFor((s) => /The canvas is frozen: the event is over\. You can look, but not place\./.test(s.messageLine()), 'the freeze on screen');
  assert.match(t.statusLine(), /FROZEN/);
  t.keys('g', '3,4', 'Enter', 'Space');
  await new Promise((r) => setTimeout(r, 300));
  assert.match(t.messageLine(), /The canvas is frozen: the event is over/, 'the refusal, in words');
  assert.match(t.statusLine(), /FROZEN/);
  const { snap } = await fetchSnapshot(srv.url);
  assert.equal(snap.get(3, 4), 0, 'nothing was placed');

  admin(srv, '--unfreeze');
  await t.waitFor((s) => /no longer frozen/.test(s.messageLine()), 'the thaw on screen');
  assert.doesNotMatch(t.statusLine(), /FROZEN/);

  admin(srv, '--set', 'cooldown=5');
  await t.waitFor((s) => /The cooldown is now 5 s\./.test(s.messageLine()), 'the new cooldown said');
  t.keys('Space');
  await t.waitFor((s) => /Placed red at 3,4\./.test(s.messageLine()), 'placed');
  // the countdown is the new 5 s, not 4:59
  assert.match(t.statusLine(), /wait [1-5] s/);
  await t.waitFor((s) => /ready/.test(s.statusLine()), 'ready again within the 5 s', 8000);
  await finish(t);
});
