// The canvas through time (issue 18): GET /api/v1/canvas/snapshot?seq=N|at=T, GET /api/v1/history,
// GET /api/v1/canvas/heatmap and canvas/info's firstSeq/firstTime, checked against what a
// viewer recorded live over its WebSocket, across checkpoints (--checkpoint-every 10) and across
// a restart.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { connect, decodeBatch, decodeSnapshot, paintMany } from './lib/client.js';
import { startServer } from './lib/server.js';

const W = 64;
const H = 64;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A viewer's record: every pixel it applied, in seq order, so the canvas it showed once it had
// applied exactly N is the first N of them on a blank canvas (it joined at seq 0).
function recorder(viewer) {
  return {
    pixels() {
      const all = viewer.batches.flatMap((b) => b.pixels);
      for (let i = 1; i < all.length; i++) assert.ok(all[i].seq > all[i - 1].seq, 'viewer got pixels out of order');
      return all;
    },
    canvasAt(n) {
      const c = new Uint8Array(W * H);
      for (const p of this.pixels()) if (p.seq <= n) c[p.y * W + p.x] = p.color;
      return c;
    },
  };
}

async function waitViewer(viewer, seq) {
  await viewer.waitFor((c) => c.batches.some((b) => b.lastSeq >= seq), `viewer at seq ${seq}`, 10000);
}

async function snapshotAt(url, query) {
  const res = await fetch(`${url}/api/v1/canvas/snapshot?${query}`, { headers: { 'accept-encoding': 'gzip' } });
  const body = Buffer.from(await res.arrayBuffer());
  return { res, body };
}

function sameCanvas(snap, want, what) {
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      assert.equal(snap.get(x, y), want[y * W + x], `${what}: pixel (${x},${y})`);
    }
  }
}

async function checkSnapshots(url, rec, seqs, what) {
  for (const n of seqs) {
    const { res, body } = await snapshotAt(url, `seq=${n}`);
    assert.equal(res.status, 200, `${what}: snapshot?seq=${n}: ${body}`);
    assert.equal(res.headers.get('x-place-seq'), String(n));
    assert.match(res.headers.get('cache-control'), /immutable/);
    assert.ok(res.headers.get('etag'));
    const snap = decodeSnapshot(body);
    assert.equal(snap.seq, n);
    assert.equal(snap.width, W);
    sameCanvas(snap, rec.canvasAt(n), `${what} seq ${n}`);
  }
}

// The checkpoints are used: a past snapshot reads only the placements after the newest checkpoint
// at or below it (X-Place-Replayed), not the history from seq 0. Each seq is asked once (a kept
// snapshot reads nothing); the checkpointer may be a moment behind, so it tries a few seqs.
async function checkReplayed(url, seqs, every, what) {
  const got = [];
  for (const n of seqs) {
    const { res } = await snapshotAt(url, `seq=${n}`);
    assert.equal(res.status, 200);
    const replayed = Number(res.headers.get('x-place-replayed'));
    got.push(`${n}:${replayed}`);
    if (replayed === n % every) return;
    await sleep(400);
  }
  assert.fail(`${what}: snapshots read more placements than those after the checkpoint (seq:read ${got.join(' ')})`);
}

async function stream(url, from, limit) {
  const res = await fetch(`${url}/api/v1/history?from=${from}${limit ? `&limit=${limit}` : ''}`);
  assert.equal(res.status, 200, `history?from=${from}: ${res.status}`);
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  return { res, batch: decodeBatch(Buffer.from(await res.arrayBuffer())) };
}

// 60 placements on 12 pixels of a 4x3 corner, so most pixels change colour several times: the
// canvas differs at almost every seq
function script(n, round) {
  const px = [];
  for (let i = 0; i < n; i++) px.push([i % 4, Math.floor(i / 4) % 3, ((i * 7 + round) % 15) + 1]);
  return px;
}

test('snapshot at seq N is the canvas a viewer had at N, across checkpoints and a restart; the stream replays it', async () => {
  const args = ['--cooldown', '0', '--batch-ms', '20', '--checkpoint-every', '10'];
  const srv = await startServer({ args });
  let again = null;
  let viewer = null;
  try {
    viewer = await connect(srv.wsUrl);
    const rec = recorder(viewer);
    let info = await (await fetch(`${srv.url}/api/v1/canvas/info`)).json();
    assert.equal(info.firstSeq, 0);
    assert.equal(info.firstTime, 0);
    const t0 = Date.now();
    await paintMany(srv.wsUrl, script(60, 0), { bots: 4 });
    await waitViewer(viewer, 60);
    const mine = rec.pixels();
    assert.equal(mine.length, 60);
    assert.deepEqual(mine.map((p) => p.seq), Array.from({ length: 60 }, (_, i) => i + 1));

    info = await (await fetch(`${srv.url}/api/v1/canvas/info`)).json();
    assert.equal(info.firstSeq, 1);
    assert.ok(info.firstTime >= t0 - 1000 && info.firstTime <= Date.now(), `firstTime ${info.firstTime}`);

    const seqs = [0, 1, 7, 9, 10, 11, 20, 33, 59, 60];
    await checkSnapshots(srv.url, rec, seqs, 'live server');
    await checkReplayed(srv.url, [58, 57, 56, 55, 54, 53, 52, 51], 10, 'live server');

    // beyond the newest: an error a client can read, naming the newest
    let r = await snapshotAt(srv.url, 'seq=61');
    assert.equal(r.res.status, 400);
    const e = JSON.parse(r.body.toString());
    assert.equal(e.error, 'BAD_REQUEST');
    assert.match(e.message, /newest placement, 60/);
    assert.equal(r.res.headers.get('x-place-seq'), '60');
    // a time before the first placement is the blank canvas; a time from now on is the newest
    r = await snapshotAt(srv.url, 'at=2000-01-01T00:00:00Z');
    assert.equal(r.res.status, 200);
    assert.equal(decodeSnapshot(r.body).seq, 0);
    r = await snapshotAt(srv.url, `at=${Date.now()}`);
    assert.equal(r.res.status, 200);
    sameCanvas(decodeSnapshot(r.body), rec.canvasAt(60), 'at=now');
    assert.equal(decodeSnapshot(r.body).seq, 60);
    for (const bad of ['seq=abc', 'seq=-1', 'seq=1&at=5', 'at=yesterday', 'seq=']) {
      r = await snapshotAt(srv.url, bad);
      assert.equal(r.res.status, 400, bad);
      assert.equal(JSON.parse(r.body.toString()).error, 'BAD_REQUEST', bad);
    }

    // the stream from S: each placement once, in order, and snapshot(S) + stream = snapshot(N)
    for (const s of [0, 7, 10, 42]) {
      const { res, batch } = await stream(srv.url, s);
      assert.equal(res.headers.get('x-place-seq'), '60');
      assert.equal(batch.prevSeq, s);
      assert.equal(batch.lastSeq, 60);
      assert.deepEqual(batch.pixels, mine.filter((p) => p.seq > s));
      assert.equal(batch.time > 0, true);
      const base = decodeSnapshot((await snapshotAt(srv.url, `seq=${s}`)).body);
      const built = new Uint8Array(W * H);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) built[y * W + x] = base.get(x, y);
      for (const p of batch.pixels) built[p.y * W + p.x] = p.color;
      sameCanvas(decodeSnapshot((await snapshotAt(srv.url, 'seq=60')).body), built, `snapshot(${s}) + stream`);
    }
    // paging with a limit covers everything once, and ends with lastSeq == from
    const paged = [];
    let from = 0;
    for (let i = 0; i < 20; i++) {
      const { batch } = await stream(srv.url, from, 7);
      assert.equal(batch.prevSeq, from);
      if (batch.lastSeq === from) {
        assert.equal(batch.pixels.length, 0);
        break;
      }
      assert.ok(batch.pixels.length <= 7);
      paged.push(...batch.pixels);
      from = batch.lastSeq;
    }
    assert.deepEqual(paged, mine);
    for (const bad of ['', 'from=x', 'from=1&limit=0', 'from=1&limit=-3']) {
      const res = await fetch(`${srv.url}/api/v1/history?${bad}`);
      assert.equal(res.status, 400, bad);
    }

    // restart: the snapshots come back from the stored checkpoints and history
    viewer.close();
    viewer = null;
    assert.equal((await srv.stop()).code, 0);
    const hdb = path.join(srv.dataDir, 'history.db');
    again = await startServer({ dataDir: srv.dataDir, args });
    if (fs.existsSync(path.join(srv.dataDir, 'place.db'))) assert.ok(fs.existsSync(hdb), 'no history.db');
    await checkSnapshots(again.url, rec, seqs, 'after a restart');
    await checkReplayed(again.url, [48, 47, 46, 45, 44, 43, 42, 41], 10, 'after a restart');
    // placements after the restart carry on from the stored checkpoints
    viewer = await connect(again.wsUrl);
    await paintMany(again.wsUrl, script(25, 3), { bots: 4 });
    await waitViewer(viewer, 85);
    const after = viewer.batches.flatMap((b) => b.pixels);
    const rec2 = {
      canvasAt(n) {
        const c = rec.canvasAt(Math.min(n, 60));
        for (const p of after) if (p.seq <= n) c[p.y * W + p.x] = p.color;
        return c;
      },
    };
    await checkSnapshots(again.url, rec2, [60, 61, 70, 79, 80, 85], 'after the restart, new placements');
  } finally {
    viewer?.close();
    if (again) await again.stop();
    else await srv.stop();
    srv.cleanup();
  }
});

test('the heatmap counts the placements per cell since a time', async () => {
  const srv = await startServer({ args: ['--cooldown', '0', '--batch-ms', '20'] });
  try {
    const px = script(30, 1).concat([[40, 40, 3], [41, 40, 4], [63, 63, 5]]);
    await paintMany(srv.wsUrl, px, { bots: 3 });
    const counts = new Map();
    for (const [x, y] of px) counts.set(`${x},${y}`, (counts.get(`${x},${y}`) || 0) + 1);
    const res = await fetch(`${srv.url}/api/v1/canvas/heatmap?since=0&block=1`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    let b = Buffer.from(await res.arrayBuffer());
    if (b[0] === 0x1f) b = zlib.gunzipSync(b);
    assert.equal(b.toString('latin1', 0, 4), 'PLCH');
    assert.equal(b[4], 1);
    assert.equal(b[5], 2);
    assert.equal(b.readUInt16LE(6), 1);
    assert.equal(b.readUInt32LE(8), W);
    assert.equal(b.readUInt32LE(12), H);
    const cols = b.readUInt32LE(16);
    const rows = b.readUInt32LE(20);
    assert.equal(cols, W);
    assert.equal(rows, H);
    assert.equal(Number(b.readBigUInt64LE(32)), 0);
    assert.equal(Number(b.readBigUInt64LE(40)), px.length);
    assert.equal(b.readUInt32LE(48), Math.max(...counts.values()));
    assert.equal(b.length, 56 + 2 * cols * rows);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        assert.equal(b.readUInt16LE(56 + 2 * (y * cols + x)), counts.get(`${x},${y}`) || 0, `cell (${x},${y})`);
      }
    }
    // blocks of 8: the sums
    const r8 = await fetch(`${srv.url}/api/v1/canvas/heatmap?since=0&block=8`);
    const b8 = Buffer.from(await r8.arrayBuffer());
    assert.equal(b8.readUInt16LE(6), 8);
    assert.equal(b8.readUInt32LE(16), 8);
    assert.equal(b8.readUInt16LE(56), 30); // every scripted placement is in the first 8x8 block
    assert.equal(b8.readUInt16LE(56 + 2 * (5 * 8 + 5)), 2); // (40,40) and (41,40)
    assert.equal(b8.readUInt16LE(56 + 2 * (7 * 8 + 7)), 1); // (63,63)
    // a window that starts after every placement counts none
    await sleep(10);
    const later = new Date(Date.now() + 120000).toISOString();
    const rl = await fetch(`${srv.url}/api/v1/canvas/heatmap?since=${encodeURIComponent(later)}`);
    const bl = Buffer.from(await rl.arrayBuffer());
    assert.equal(bl.readUInt32LE(48), 0);
    for (const bad of ['since=soon', 'block=3', 'block=512', 'block=0']) {
      const res2 = await fetch(`${srv.url}/api/v1/canvas/heatmap?${bad}`);
      assert.equal(res2.status, 400, bad);
    }
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});
