// What every client test file (tests/tui, tests/sdl, tests/web) does around its tests: the real
// placed started and stopped, temporary directories, bots, and the waits on the server's side.
// Each client kind adds its own start-up on top (tests/<kind>/lib/harness.js).
//
//   const h = harness();                 // in the file's top level: one after() hook
//   const srv = await h.server(['--cooldown', '0']);
//   const dir = h.tmpDir('place-x-');    // removed after the file's tests
//   await snapshotWhere(srv.url, (s) => s.get(1, 2) === 5, 'red at 1,2');
import { after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { runPlaced, startServer } from '../server/lib/server.js';
import { connect, fetchSnapshot, tokenFrom } from '../server/lib/client.js';
import { hexRgba, pngFromRows } from '../server/lib/png.js';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A test file's cleanups: everything started through it is undone after the file's tests, the
// newest first, each on its own (one failing does not keep the others from running).
export function harness() {
  const undo = [];
  after(async () => {
    for (const f of undo.reverse()) {
      try { await f(); } catch { /* best effort */ }
    }
  });
  return {
    // f runs after the file's tests (before whatever was deferred earlier).
    defer(f) {
      undo.push(f);
    },

    // placed on a loopback ephemeral port with a fresh data directory, stopped (and the
    // directory removed) afterwards. opts as startServer's; with opts.dataDir (a restart on a
    // directory another server made) the directory is left to that server's cleanup.
    async server(args = [], opts = {}) {
      const srv = await startServer({ ...opts, args });
      undo.push(async () => {
        await srv.stop();
        if (!opts.dataDir) srv.cleanup();
      });
      return srv;
    },

    // A fresh directory under the system's temporary one, removed afterwards unless keep.
    tmpDir(prefix, { keep = false } = {}) {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      if (!keep) undo.push(() => fs.rmSync(d, { recursive: true, force: true }));
      return d;
    },

    // Another player on a WebSocket (tests/server/lib/client.js), closed afterwards.
    async client(srv, token = null, opts = {}) {
      const c = await connect(srv.wsUrl, token, opts);
      undo.push(() => c.close());
      return c;
    },
  };
}

// Polls the server's snapshot (rebuilt at most once a second) until pred(snap) holds or
// timeoutMs has passed; resolves with the last snapshot read either way.
export async function pollSnapshot(url, pred, timeoutMs = 6000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { snap } = await fetchSnapshot(url);
    if (pred(snap) || Date.now() > end) return snap;
    await sleep(150);
  }
}

// The snapshot once pred(snap) holds; fails, naming what, when it does not within timeoutMs.
export async function snapshotWhere(url, pred, what, timeoutMs = 6000) {
  const snap = await pollSnapshot(url, pred, timeoutMs);
  if (!pred(snap)) assert.fail(`the server's snapshot never showed ${what} (seq ${snap.seq})`);
  return snap;
}

// The colour the snapshot has at (x, y) once it is `color`, or after timeoutMs whatever it is
// then (for an assert.equal to report).
export async function snapshotAt(url, x, y, color, timeoutMs = 6000) {
  return (await pollSnapshot(url, (s) => s.get(x, y) === color, timeoutMs)).get(x, y);
}

// The canvas palette as the server announces it ("#RRGGBB" strings).
export async function palette(srv) {
  return (await (await fetch(`${srv.url}/api/v1/canvas/info`)).json()).palette;
}

// Places [[x, y, colour], ...] one after the other through bot, each answered `placed`.
export async function paint(bot, list, tag) {
  for (const [i, [x, y, c]] of list.entries()) {
    const ans = await bot.placeAndWait(x, y, c, `${tag}-${i}`);
    assert.equal(ans.type, 'placed', JSON.stringify(ans));
  }
}

// An admin invocation of placed on the server's data directory (--freeze, --ban-id ...), which
// must succeed.
export function admin(srv, ...args) {
  const r = runPlaced(['--data-dir', srv.dataDir, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r;
}

// A new guest made by the server, its session stored where a native client with
// XDG_CONFIG_HOME=configHome reads it (place/session, a private directory and file, as its login
// writes it): { token, userId }.
export async function guestSession(srv, configHome) {
  const res = await fetch(`${srv.url}/api/v1/auth/me`);
  const token = tokenFrom(res);
  assert.ok(token, 'a guest token');
  const { userId } = await res.json();
  fs.mkdirSync(path.join(configHome, 'place'), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(configHome, 'place', 'session'), `${token}\n`, { mode: 0o600 });
  return { token, userId };
}

// The template the clients' template tests load, 4x3: a red row; blue, two don't-care pixels, a
// near-blue (off the palette: the nearest colour is blue); a black row. 10 pixels count.
export function templatePng() {
  const [red, blue, black] = ['#E50000', '#0083C7', '#222222'];
  const clear = [0, 0, 0, 0];
  return pngFromRows([
    [hexRgba(red), hexRgba(red), hexRgba(red), hexRgba(red)],
    [hexRgba(blue), clear, clear, [10, 140, 190, 255]],
    [hexRgba(black), hexRgba(black), hexRgba(black), hexRgba(black)],
  ]);
}

// Whether a client's stderr holds a sanitizer report (ASan/LSan/UBSan builds).
export const SANITIZER = /AddressSanitizer|LeakSanitizer|runtime error:/;
