// place-sdl and the live rules (placed --freeze / --unfreeze / --set) changed on the running
// server: the real placed and the real place-sdl on a private Xvfb display, driven by a script;
// assertions on the screenshot, the script's waits (banner, bar, message) and the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { runPlaced } from '../server/lib/server.js';
import { snapshotWhere } from '../lib/harness.js';
import { readBmp, fitView, centreOf } from './lib/sdl.js';
import { expectExit, sdlHarness } from './lib/harness.js';

const h = sdlHarness('place-sdl-test-');

test('--freeze: an amber banner with the reason, "canvas frozen", placing refused; --unfreeze and --set cooldown=5: the next pixel counts down 5 s', async () => {
  const srv = await h.server(['--cooldown', '300']);
  const dir = h.workDir();
  const v = fitView(640, 480, 64, 64);
  const [sx, sy] = centreOf(v, 12, 12);
  const frozenShot = path.join(dir, 'frozen.bmp');
  const acts = [];
  const r = await h.run({
    url: srv.url, dir,
    script: [
      'wait connected',
      'wait bar ready to place',
      'echo freeze',
      'wait banner The canvas is frozen: maintenance. You can look, but not place.',
      'wait bar canvas frozen',
      `shot ${frozenShot}`,
      'key 5',
      `click ${Math.round(sx)} ${Math.round(sy)}`,
      'wait message The canvas is frozen: maintenance',
      'echo thaw',
      'wait message The cooldown is now 5 s.',
      'wait bar ready to place',
      `click ${Math.round(sx)} ${Math.round(sy)}`,
      'wait message Placed red at 12,12',
      'wait bar next pixel in 5 s',
      'wait bar ready to place', // within the 5 s (the wait's own limit is 10 s)
      'quit',
    ],
    onLine: (line) => {
      if (line === 'script: freeze') acts.push(runPlaced(['--data-dir', srv.dataDir, '--freeze', '--reason', 'maintenance']));
      if (line === 'script: thaw') {
        acts.push(runPlaced(['--data-dir', srv.dataDir, '--unfreeze']));
        acts.push(runPlaced(['--data-dir', srv.dataDir, '--set', 'cooldown=5']));
      }
    },
  });
  expectExit(r);
  assert.equal(acts.length, 3);
  for (const a of acts) assert.equal(a.code, 0, a.stderr);
  const img = readBmp(frozenShot);
  assert.deepEqual(img.get(5, 5), [150, 100, 0], 'an amber banner at the top while frozen');
  const snap = await snapshotWhere(srv.url, (s) => s.seq >= 1, 'the placement'); // up to a second behind
  assert.equal(snap.seq, 1, 'one placement: the one after the thaw');
  assert.equal(snap.get(12, 12), 5);
});
