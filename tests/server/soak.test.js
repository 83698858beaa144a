// The disk stays bounded and nothing acknowledged is lost, under sustained load: 50,000
// placements from many clients with the WAL's size sampled all along (it must stay under the
// bound docs/deploy.md states), then a kill -9 at a random moment while placements keep coming,
// and after the restart every acknowledged placement is in the snapshot and in the history.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { connect, fetchSnapshot } from './lib/client.js';
import { startServer } from './lib/server.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const WAL_MAX = 64 * 1024 * 1024; // docs/deploy.md, "Disk"
const TOTAL = 50000;
const CLIENTS = 250;
const SIDE = 64;
const PIXELS = 2048; // placements go round these: ~27 a pixel, so one history read covers each pixel

function walSize(dir) {
  try { return fs.statSync(path.join(dir, 'place.db-wal')).size; } catch { return 0; }
}

test('50,000 placements keep the WAL bounded; kill -9 at a random moment loses no acknowledged pixel', { timeout: 170000 }, async () => {
  const srv = await startServer({
    args: ['--cooldown', '0', '--batch-ms', '50', '--max-conns-per-ip', '0', '--guests-per-hour', '0',
      '--width', String(SIDE), '--height', String(SIDE)],
  });
  const acked = [];
  let maxWal = 0;
  const sampler = setInterval(() => { maxWal = Math.max(maxWal, walSize(srv.dataDir)); }, 25);
  const clients = [];
  let next = 0;
  let stop = false;
  try {
    for (let i = 0; i < CLIENTS; i++) clients.push(await connect(srv.wsUrl));
    // each client keeps up to 4 placements unanswered and stays under the 20 a second flood limit
    const streams = clients.map((c) => (async () => {
      let inFlight = 0;
      const answers = new Map();
      c.ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const m = JSON.parse(data.toString());
        const a = answers.get(m.requestId);
        if (!a) return;
        answers.delete(m.requestId);
        inFlight--;
        if (m.type === 'placed') acked.push({ ...a, seq: m.seq });
      });
      while (!stop && !c.closed) {
        if (inFlight >= 4) { await sleep(5); continue; }
        const idx = next++;
        const p = idx % PIXELS;
        const a = { x: p % SIDE, y: Math.floor(p / SIDE), color: (idx % 16) };
        answers.set(`s${idx}`, a);
        inFlight++;
        c.send({ type: 'place', ...a, requestId: `s${idx}` });
        await sleep(52);
      }
    })());
    // the kill comes at a random moment after the 50,000th acknowledgement, placements still streaming
    const killAt = TOTAL + Math.floor(Math.random() * 3000);
    const t0 = Date.now();
    while (acked.length < killAt) {
      assert.ok(Date.now() - t0 < 120000, `only ${acked.length} placements acknowledged in 120 s`);
      await sleep(10);
    }
    maxWal = Math.max(maxWal, walSize(srv.dataDir));
    const st = await srv.kill9();
    assert.equal(st.signal, 'SIGKILL');
    stop = true;
    clearInterval(sampler);
    await Promise.all(streams);
    for (const c of clients) c.close();
    const ackedCopy = [...acked];
    assert.ok(maxWal < WAL_MAX, `the WAL reached ${maxWal} bytes (bound ${WAL_MAX})`);
    console.log(`acknowledged ${ackedCopy.length} in ${Date.now() - t0} ms; largest WAL ${(maxWal / 1048576).toFixed(1)} MiB`);

    const again = await startServer({ dataDir: srv.dataDir, args: ['--width', String(SIDE), '--height', String(SIDE)] });
    try {
      const maxSeq = Math.max(...ackedCopy.map((a) => a.seq));
      const { snap } = await fetchSnapshot(again.url);
      assert.ok(snap.seq >= maxSeq, `snapshot seq ${snap.seq} < acknowledged ${maxSeq}`);
      const byPixel = new Map();
      for (const a of ackedCopy) {
        const k = a.y * SIDE + a.x;
        if (!byPixel.has(k)) byPixel.set(k, []);
        byPixel.get(k).push(a);
      }
      // every acknowledged placement is in its pixel's history (at most 50 newest: there are
      // fewer a pixel), and the snapshot shows the newest placement of the history
      const pixels = [...byPixel.values()];
      let k = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (k < pixels.length) {
          const list = pixels[k++];
          const { x, y } = list[0];
          const h = await (await fetch(`${again.url}/api/v1/pixel?x=${x}&y=${y}`)).json();
          assert.ok(list.length < 50 && h.placements.length < 50);
          const stored = new Map(h.placements.map((e) => [e.seq, e.color]));
          for (const a of list) assert.equal(stored.get(a.seq), a.color, `seq ${a.seq} at (${x},${y}) in the history`);
          assert.equal(snap.get(x, y), h.placements[0].color, `(${x},${y}) in the snapshot`);
        }
      }));
    } finally {
      assert.equal((await again.stop()).code, 0);
    }
    // a clean stop leaves an empty WAL
    assert.equal(walSize(srv.dataDir), 0);
  } finally {
    stop = true;
    clearInterval(sampler);
    for (const c of clients) c.close();
    srv.cleanup();
  }
});
