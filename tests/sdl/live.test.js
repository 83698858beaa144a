// place-sdl and the live rules (placed --freeze / --unfreeze / --set) changed on the running
// server: the real placed and the real place-sdl on a private Xvfb display, driven by a script;
// assertions on the screenshot, the script's waits (banner, bar, message) and the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { runPlaced, startServer } from '../server/lib/server.js';
import { fetchSnapshot } from '../server/lib/client.js';
import { startXvfb, runSdl, readBmp, tempDir, fitView, centreOf } from './lib/sdl.js';

let xvfb;
const cleanups = [];
before(async () => { xvfb = await startXvfb(); });
after(async () => {
  for (const f of cleanups.reverse()) {
    try { await f(); } catch { /* best effort */ }
  }
  await xvfb.stop();
});

test('--freeze: an amber banner with the reason, "canvas frozen", placing refused; --unfreeze and --set cooldown=5: the next pixel counts down 5 s', async () => {
  const srv = await startServer({ args: ['--cooldown', '300'] });
  cleanups.push(async () => { await srv.stop(); srv.cleanup(); });
  const dir = tempDir('place-sdl-test-');
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const v = fitView(640, 480, 64, 64);
  const [sx, sy] = centreOf(v, 12, 12);
  const frozenShot = path.join(dir, 'frozen.bmp');
  const acts = [];
  const r = await runSdl({
    url: srv.url, display: xvfb.display, dir,
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
  assert.equal(r.code, 0, `place-sdl exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  assert.equal(acts.length, 3);
  for (const a of acts) assert.equal(a.code, 0, a.stderr);
  const img = readBmp(frozenShot);
  assert.deepEqual(img.get(5, 5), [150, 100, 0], 'an amber banner at the top while frozen');
  let { snap } = await fetchSnapshot(srv.url);
  for (let i = 0; i < 30 && snap.seq < 1; i++) { // the snapshot is up to a second behind
    await new Promise((res) => setTimeout(res, 100));
    ({ snap } = await fetchSnapshot(srv.url));
  }
  assert.equal(snap.seq, 1, 'one placement: the one after the thaw');
  assert.equal(snap.get(12, 12), 5);
});
