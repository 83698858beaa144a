// The browser's time machine (assets/web/js/timeline.js) in Node: which request it makes to reach
// a moment, what it shows from the answers (decoded with the page's own decoders from bytes
// built here as docs/protocol.md says), play, and the heatmap decoder. The same rules as the
// native clients' (tests/engine/test_time.c).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBatch, decodeSnapshot } from '../../assets/web/js/protocol.js';
import {
  Timeline, TimeState, decodeHeatmap, heatColor, HISTORY_LIMIT, FORWARD_MAX, TICK_MS,
} from '../../assets/web/js/timeline.js';

const W = 4;
const H = 2;

function snapshot(seq, color = 0) {
  const b = Buffer.alloc(24 + (W * H) / 2, (color << 4) | color);
  b.write('PLCS', 0, 'latin1');
  b[4] = 1;
  b[5] = 4;
  b[6] = 0;
  b[7] = 0;
  b.writeUInt32LE(W, 8);
  b.writeUInt32LE(H, 12);
  b.writeBigUInt64LE(BigInt(seq), 16);
  return decodeSnapshot(b);
}

// A history frame over (prev, last] with pixels [{ seq, x, y, color }] (consecutive seqs, or a
// skip record before a hole), time = its last placement's.
function history(prev, last, time, pixels) {
  const recs = [];
  let run = prev;
  for (const p of pixels) {
    if (p.seq > run + 1) recs.push({ skip: p.seq - run - 1 });
    recs.push(p);
    run = p.seq;
  }
  const b = Buffer.alloc(32 + 5 * recs.length);
  b[0] = 1;
  b[1] = 2;
  b.writeUInt32LE(recs.length, 4);
  b.writeBigUInt64LE(BigInt(prev), 8);
  b.writeBigUInt64LE(BigInt(last), 16);
  b.writeBigUInt64LE(BigInt(time), 24);
  recs.forEach((r, i) => {
    const o = 32 + 5 * i;
    if (r.skip) {
      b.writeUInt32LE(r.skip, o);
      b[o + 4] = 0x10;
    } else {
      b.writeUInt16LE(r.x, o);
      b.writeUInt16LE(r.y, o + 2);
      b[o + 4] = r.color;
    }
  });
  return decodeBatch(b);
}

function atSeq(newest, at) {
  const t = new Timeline();
  t.enter(newest);
  assert.deepEqual(t.next(), { kind: 'info' });
  t.onInfo({ seq: newest, firstSeq: 1, firstTime: 1000 });
  t.seek(at);
  assert.deepEqual(t.next(), { kind: 'snapshot', seq: at });
  t.onSnapshot(snapshot(at));
  return t;
}

test('time machine: entering asks the info, the newest snapshot, then the time of its placement', () => {
  const t = new Timeline();
  assert.equal(t.next(), null, 'not in time mode: nothing');
  t.enter(10);
  assert.deepEqual(t.next(), { kind: 'info' });
  assert.equal(t.next(), null, 'one request out at a time');
  assert.equal(Timeline.url({ kind: 'info' }), '/api/v1/canvas/info');
  t.onInfo({ seq: 10, firstSeq: 3, firstTime: 1000 });
  assert.equal(t.min, 2);
  const r = t.next();
  assert.deepEqual(r, { kind: 'snapshot', seq: 10 });
  assert.equal(Timeline.url(r), '/api/v1/canvas/snapshot?seq=10');
  assert.equal(t.loading, true);
  t.onSnapshot(snapshot(10, 3));
  assert.equal(t.colorAt(0, 0), 3);
  const q = t.next();
  assert.deepEqual(q, { kind: 'history', from: 9, limit: 1 });
  assert.equal(Timeline.url(q), '/api/v1/history?from=9&limit=1');
  assert.equal(t.onHistory(history(9, 10, 123456, [{ seq: 10, x: 1, y: 1, color: 3 }]), 10), false);
  assert.equal(t.timeMs, 123456);
  assert.equal(t.next(), null);
  assert.equal(t.loading, false);
});

test('time machine: back takes a snapshot, forward takes the stream, cut at the target', () => {
  const t = atSeq(10, 2);
  t.next(); // the time of seq 2
  t.onFailed(0);
  t.seek(3);
  assert.deepEqual(t.next(), { kind: 'history', from: 2, limit: 1 });
  const frame = history(2, 5, 999, [{ seq: 3, x: 0, y: 0, color: 5 }, { seq: 4, x: 0, y: 0, color: 6 },
    { seq: 5, x: 1, y: 0, color: 7 }]);
  assert.equal(t.onHistory(frame, 10), true);
  assert.equal(t.seq, 3);
  assert.equal(t.colorAt(0, 0), 5, 'seq 3 drawn');
  assert.equal(t.colorAt(1, 0), 0, 'seq 5, past the target, not');
  assert.equal(t.timeMs, 0, "the frame's time is seq 5's: asked for");
  assert.deepEqual(t.next(), { kind: 'history', from: 2, limit: 1 });
  t.onHistory(history(2, 3, 555, [{ seq: 3, x: 0, y: 0, color: 5 }]));
  assert.equal(t.timeMs, 555);
  t.stepBy(-1);
  assert.deepEqual(t.next(), { kind: 'snapshot', seq: 2 }, 'back: a snapshot');
});

test('time machine: a gap restarts from a snapshot; far ahead takes a snapshot; long stretches in pieces', () => {
  const t = atSeq(100000, 2);
  t.next();
  t.onFailed(0);
  t.seek(6);
  assert.equal(t.next().kind, 'history');
  assert.equal(t.onHistory(history(5, 6, 1, [{ seq: 6, x: 0, y: 0, color: 5 }])), false);
  assert.deepEqual(t.next(), { kind: 'snapshot', seq: 6 });
  t.onSnapshot(snapshot(6));
  t.onFailed(0);
  t.seek(6 + FORWARD_MAX + 1);
  assert.equal(t.next().kind, 'snapshot');
  t.onFailed(0);
  t.seek(6 + 2 * HISTORY_LIMIT);
  assert.deepEqual(t.next(), { kind: 'history', from: 6, limit: HISTORY_LIMIT });
});

test('time machine: steps are a hundredth of the history, clamped to it', () => {
  const t = atSeq(1000, 1000);
  assert.equal(t.step, 10);
  assert.equal(t.stepBy(-10), 900);
  assert.equal(t.stepBy(-1000), 0, 'the blank canvas before the first placement');
  assert.equal(t.stepBy(5000), 1000);
  t.setNewest(1200);
  assert.equal(t.stepBy(1), 1012);
});

test('time machine: play waits for each step and stops at the newest', () => {
  const t = atSeq(3, 3);
  t.next();
  t.onFailed(0);
  t.play(true, 0);
  assert.equal(t.target, 0, 'at the end: from the start');
  assert.deepEqual(t.next(), { kind: 'snapshot', seq: 0 });
  assert.equal(t.tick(1000), false);
  assert.equal(t.target, 0, 'the snapshot has not come: play waits');
  t.onSnapshot(snapshot(0));
  assert.equal(t.timeMs, -1, 'the blank canvas has no time');
  t.tick(TICK_MS);
  assert.equal(t.target, 1);
  for (let s = 1; s <= 3; s++) {
    assert.deepEqual(t.next(), { kind: 'history', from: s - 1, limit: 1 });
    assert.equal(t.onHistory(history(s - 1, s, s * 100, [{ seq: s, x: s, y: 0, color: s }]), 3), true);
    assert.equal(t.tick(TICK_MS + s * 1000), s === 3);
  }
  assert.equal(t.colorAt(3, 0), 3);
  assert.equal(t.playing, false);
});

test('time machine: a snapshot beyond the server\'s history moves back; three failures stop it', () => {
  const t = new Timeline();
  t.enter(10);
  t.next();
  t.onInfo({ seq: 10, firstSeq: 1 });
  assert.deepEqual(t.next(), { kind: 'snapshot', seq: 10 });
  t.onFailed(8); // 400, X-Place-Seq: 8
  assert.deepEqual(t.next(), { kind: 'snapshot', seq: 8 });
  for (let i = 0; i < 3; i++) {
    t.onFailed(0);
    if (i < 2) assert.equal(t.next().kind, 'snapshot');
  }
  assert.equal(t.next(), null);
  assert.equal(t.failed, true);
  t.stepBy(-1);
  assert.equal(t.next().kind, 'snapshot', 'moving asks again');
});

test('time machine: the board reads it as it reads the live canvas', () => {
  const t = atSeq(5, 5);
  const v = new TimeState(t);
  assert.equal(v.ready, true);
  assert.equal(v.width, W);
  assert.equal(v.shown.length, W * H);
  assert.equal(v.displayed(0), 0);
  assert.equal(v.pending.size, 0);
});

function heatBytes(block, w, h, cols, rows, cells) {
  const b = Buffer.alloc(56 + 2 * cols * rows);
  b.write('PLCH', 0, 'latin1');
  b[4] = 1;
  b[5] = 2;
  b.writeUInt16LE(block, 6);
  b.writeUInt32LE(w, 8);
  b.writeUInt32LE(h, 12);
  b.writeUInt32LE(cols, 16);
  b.writeUInt32LE(rows, 20);
  b.writeBigUInt64LE(10000n, 24);
  cells.forEach((c, i) => b.writeUInt16LE(c, 56 + 2 * i));
  return b;
}

test('heatmap: decodes, refuses what does not add up; colours from none to the most', () => {
  const hm = decodeHeatmap(heatBytes(2, 5, 3, 3, 2, [0, 3, 0, 0, 700, 1]));
  assert.equal(hm.block, 2);
  assert.equal(hm.max, 700);
  assert.equal(hm.cells[4], 700);
  assert.equal(hm.since, 10000);
  assert.throws(() => decodeHeatmap(heatBytes(2, 5, 3, 3, 2, [0, 3, 0, 0, 700, 1]).subarray(0, 60)));
  assert.throws(() => decodeHeatmap(heatBytes(3, 5, 3, 2, 1, [0, 0])), /add up/);
  assert.throws(() => decodeHeatmap(heatBytes(2, 5, 3, 2, 2, [0, 0, 0, 0])), /add up/);
  const bad = heatBytes(2, 5, 3, 3, 2, [0, 0, 0, 0, 0, 0]);
  bad[0] = 0x58;
  assert.throws(() => decodeHeatmap(bad), /not a Place heatmap/);
  assert.deepEqual(heatColor(0, 10), [0, 0, 0, 0]);
  const few = heatColor(1, 10);
  const most = heatColor(10, 10);
  assert.equal(most[1], 0, 'the busiest block is red');
  assert.ok(few[1] > 150 && few[3] < most[3], 'a quiet one yellower and fainter');
});
