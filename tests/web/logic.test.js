// The browser client's pure modules (assets/web/js/), run in Node: the snapshot and batch
// decoders against bytes built here from docs/protocol.md, the reconciliation rules (with the
// scenarios of tests/vectors/recon.json that the C engine's tests run too), the
// reconnect backoff and the view/URL hash maths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  decodeSnapshot, decodeBatch, parseHexColor, errorText, ERROR_WORDS, CLIENT_ONLY_ERRORS,
  DEFAULT_PALETTE, COLOR_NAMES, COLORS, BATCH_KIND, BATCH_VERSION, BATCH_HEADER, BATCH_RECORD,
  SNAPSHOT_MAGIC, SNAPSHOT_VERSION, SNAPSHOT_HEADER, MAX_SIDE,
} from '../../assets/web/js/protocol.js';
import { CanvasState } from '../../assets/web/js/canvas-state.js';
import { Backoff, STABLE_AFTER_MS, jitter } from '../../assets/web/js/backoff.js';
import { View, parseHash } from '../../assets/web/js/view.js';
import { BROWSER_ONLY_KEYS, KEY_ACTIONS, NATIVE_ONLY_KEYS, keyAction } from '../../assets/web/js/keys.js';

// A snapshot body for a width x height canvas; pixels: { 'x,y': color }.
function snapshotBytes(width, height, seq, pixels = {}) {
  const n = width * height;
  const b = Buffer.alloc(24 + Math.ceil(n / 2));
  b.write('PLCS', 0, 'latin1');
  b[4] = 1;
  b[5] = 4;
  b.writeUInt32LE(width, 8);
  b.writeUInt32LE(height, 12);
  b.writeBigUInt64LE(BigInt(seq), 16);
  for (const [k, c] of Object.entries(pixels)) {
    const [x, y] = k.split(',').map(Number);
    const i = y * width + x;
    const o = 24 + (i >> 1);
    b[o] = i & 1 ? (b[o] & 0xf0) | c : (b[o] & 0x0f) | (c << 4);
  }
  return b;
}

// A batch frame of raw 5-byte records: [{ x, y, byte4 }] or [{ skip: n, byte4 }] (byte4 of a
// skip defaults to kind 1, colour 0).
function rawBatch(prevSeq, lastSeq, recs, kind = 1, version = 2) {
  const b = Buffer.alloc(32 + 5 * recs.length);
  b[0] = kind;
  b[1] = version;
  b.writeUInt32LE(recs.length, 4);
  b.writeBigUInt64LE(BigInt(prevSeq), 8);
  b.writeBigUInt64LE(BigInt(lastSeq), 16);
  b.writeBigUInt64LE(1795800000000n, 24);
  recs.forEach((r, i) => {
    const o = 32 + 5 * i;
    if (r.skip !== undefined) {
      b.writeUInt32LE(r.skip, o);
      b[o + 4] = r.byte4 ?? 0x10;
    } else {
      b.writeUInt16LE(r.x, o);
      b.writeUInt16LE(r.y, o + 2);
      b[o + 4] = r.byte4;
    }
  });
  return b;
}

// A batch frame as the server encodes it; records: [{ seq, x, y, color }] in ascending seq, a
// skip record before each one that does not follow the previous seq.
function batchBytes(prevSeq, lastSeq, records, kind = 1, version = 2) {
  const recs = [];
  let prev = prevSeq;
  for (const r of records) {
    if (r.seq > prev + 1) recs.push({ skip: r.seq - prev - 1 });
    recs.push({ x: r.x, y: r.y, byte4: r.color });
    prev = r.seq;
  }
  return rawBatch(prevSeq, lastSeq, recs, kind, version);
}

test('snapshot: nibbles decode high-first, odd sizes, big seq', () => {
  const bytes = snapshotBytes(3, 3, 2 ** 40 + 7, { '0,0': 5, '1,0': 12, '2,2': 15, '1,1': 3 });
  const s = decodeSnapshot(new Uint8Array(bytes));
  assert.equal(s.width, 3);
  assert.equal(s.height, 3);
  assert.equal(s.seq, 2 ** 40 + 7);
  assert.deepEqual([...s.pixels], [5, 12, 0, 0, 3, 0, 0, 0, 15]);
});

test('snapshot: a byte view into a larger buffer decodes from its own offset', () => {
  const bytes = snapshotBytes(2, 1, 9, { '1,0': 4 });
  const big = new Uint8Array(bytes.length + 10);
  big.set(bytes, 10);
  const s = decodeSnapshot(big.subarray(10));
  assert.deepEqual([...s.pixels], [0, 4]);
  assert.equal(s.seq, 9);
});

test('snapshot: bad magic, version, depth and length are refused with a reason', () => {
  const good = snapshotBytes(4, 4, 1);
  const bad = (mut) => { const b = Buffer.from(good); mut(b); return b; };
  assert.throws(() => decodeSnapshot(bad((b) => { b[0] = 0x51; })), /not a Place snapshot/);
  assert.throws(() => decodeSnapshot(bad((b) => { b[4] = 2; })), /version/);
  assert.throws(() => decodeSnapshot(bad((b) => { b[5] = 8; })), /bits per pixel/);
  assert.throws(() => decodeSnapshot(good.subarray(0, good.length - 1)), /expected/);
  assert.throws(() => decodeSnapshot(good.subarray(0, 10)), /too short/);
});

test('batch: 5 bytes a pixel, seqs count up from prevSeq; unknown kinds and versions are ignored', () => {
  const px = [{ seq: 101, x: 3, y: 4, color: 5 }, { seq: 102, x: 65535, y: 2, color: 15 }, { seq: 103, x: 0, y: 65535, color: 0 }];
  const bytes = batchBytes(100, 104, px);
  assert.equal(bytes.length, 32 + 5 * 3);
  const b = decodeBatch(bytes);
  assert.equal(b.prevSeq, 100);
  assert.equal(b.lastSeq, 104);
  assert.equal(b.time, 1795800000000);
  assert.deepEqual(b.records, px);
  assert.deepEqual(decodeBatch(batchBytes(7, 7, [])).records, []);
  assert.equal(decodeBatch(batchBytes(1, 2, [], 2)), null);
  assert.equal(decodeBatch(batchBytes(1, 2, [], 1, 9)), null);
  assert.equal(decodeBatch(batchBytes(1, 2, [], 1, 1)), null, 'version 1 is retired');
});

test('batch: a skip record uses up seqs with no pixel, also a hole of more than 65535', () => {
  const px = [{ seq: 101, x: 3, y: 4, color: 5 }, { seq: 104, x: 1, y: 2, color: 15 }, { seq: 105, x: 0, y: 0, color: 0 }];
  const bytes = batchBytes(100, 106, px);
  assert.equal(bytes.length, 32 + 5 * 4);
  assert.equal(bytes[32 + 5 + 4], 0x10);
  assert.equal(bytes.readUInt32LE(32 + 5), 2);
  assert.deepEqual(decodeBatch(bytes).records, px);
  const big = [{ seq: 10 + 70001, x: 9, y: 9, color: 9 }];
  assert.deepEqual(decodeBatch(batchBytes(10, 10 + 70001, big)).records, big);
  const twoSkips = rawBatch(0, 9, [{ skip: 2 }, { skip: 3 }, { x: 1, y: 1, byte4: 4 }]);
  assert.deepEqual(decodeBatch(twoSkips).records, [{ seq: 6, x: 1, y: 1, color: 4 }]);
});

test('batch: malformed frames throw', () => {
  const short = batchBytes(1, 3, [{ seq: 2, x: 0, y: 0, color: 1 }]).subarray(0, 36);
  assert.throws(() => decodeBatch(short), /bytes for 1 records/);
  const long = Buffer.concat([batchBytes(1, 3, [{ seq: 2, x: 0, y: 0, color: 1 }]), Buffer.alloc(5)]);
  assert.throws(() => decodeBatch(long), /bytes for 1 records/);
  assert.throws(() => decodeBatch(rawBatch(5, 4, [])), /before prevSeq/);
  for (let kind = 2; kind < 16; kind++) {
    const f = rawBatch(0, 5, [{ x: 1, y: 1, byte4: 1 }, { x: 1, y: 1, byte4: (kind << 4) | 1 }]);
    assert.throws(() => decodeBatch(f), /unknown kind/, `kind ${kind}`);
  }
  assert.throws(() => decodeBatch(rawBatch(0, 5, [{ skip: 0 }, { x: 1, y: 1, byte4: 1 }])), /bad skip/);
  assert.throws(() => decodeBatch(rawBatch(0, 5, [{ x: 1, y: 1, byte4: 1 }, { skip: 1 }])), /bad skip/);
  assert.throws(() => decodeBatch(rawBatch(0, 5, [{ skip: 1, byte4: 0x13 }, { x: 1, y: 1, byte4: 1 }])), /bad skip/);
  assert.throws(() => decodeBatch(rawBatch(0, 5, [{ skip: 6 }, { x: 1, y: 1, byte4: 1 }])), /bad skip/);
  assert.throws(() => decodeBatch(rawBatch(0, 5, [{ skip: 5 }, { x: 1, y: 1, byte4: 1 }])), /beyond lastSeq/);
  assert.throws(() => decodeBatch(rawBatch(0, 1, [{ x: 1, y: 1, byte4: 1 }, { x: 1, y: 1, byte4: 1 }])), /beyond lastSeq/);
  assert.deepEqual(decodeBatch(rawBatch(0, 5, [{ skip: 4 }, { x: 1, y: 1, byte4: 1 }])).records,
    [{ seq: 5, x: 1, y: 1, color: 1 }], 'a pixel may end exactly at lastSeq');
});

test('palette hex and error words', () => {
  assert.deepEqual(parseHexColor('#E50000'), [229, 0, 0]);
  assert.equal(parseHexColor('red'), null);
  assert.equal(errorText({ code: 'COOLDOWN', message: 'Wait a bit.' }), 'Wait a bit.');
  assert.match(errorText({ code: 'OUT_OF_BOUNDS' }), /outside the canvas/);
});

// common/'s tables as the C programs have them, printed by tests/unit/proto_tables.c (ctest
// passes its path; run by hand: PLACE_PROTO_TABLES=build/tests/unit/place_proto_tables).
function cTables() {
  const exe = process.env.PLACE_PROTO_TABLES;
  assert.ok(exe, 'PLACE_PROTO_TABLES names the place_proto_tables program (ctest sets it)');
  return JSON.parse(execFileSync(exe, { encoding: 'utf8', timeout: 10000 }));
}

test('the browser says every error as the C table does (common/src/proto.c)', () => {
  const c = cTables();
  const own = Object.fromEntries(Object.entries(ERROR_WORDS).filter(([k]) => !CLIENT_ONLY_ERRORS.includes(k)));
  assert.deepEqual(own, c.errors, 'ERROR_WORDS of assets/web/js/protocol.js differ from the C table');
  for (const k of CLIENT_ONLY_ERRORS) {
    assert.ok(!(k in c.errors), `${k} is the browser's own, not a protocol code`);
    assert.ok(ERROR_WORDS[k], `${k} has words`);
  }
  for (const [code, words] of Object.entries(c.errors)) assert.equal(errorText({ code }), words, code);
});

test('the browser\'s palette and wire constants are the C ones', () => {
  const c = cTables();
  assert.equal(COLORS, c.colors);
  assert.deepEqual(DEFAULT_PALETTE, c.palette);
  assert.deepEqual(COLOR_NAMES, c.colorNames);
  assert.equal(BATCH_KIND, c.batchKind);
  assert.equal(BATCH_VERSION, c.batchVersion);
  assert.equal(BATCH_HEADER, c.batchHeader);
  assert.equal(BATCH_RECORD, c.batchRecord);
  assert.equal(SNAPSHOT_MAGIC, c.snapshotMagic);
  assert.equal(SNAPSHOT_VERSION, c.snapshotVersion);
  assert.equal(SNAPSHOT_HEADER, c.snapshotHeader);
  assert.equal(MAX_SIDE, c.maxSide);
  // the largest side is read, one more is refused as the C reader refuses it
  assert.equal(decodeSnapshot(snapshotBytes(MAX_SIDE, 1, 1)).width, MAX_SIDE);
  assert.throws(() => decodeSnapshot(snapshotBytes(MAX_SIDE + 1, 1, 1)), /bad snapshot size/);
});

// What each key does in the native clients (common/src/front.c), printed by
// tests/engine/front_table.c (ctest passes its path in PLACE_FRONT_TABLE).
function frontTable() {
  const exe = process.env.PLACE_FRONT_TABLE;
  assert.ok(exe, 'PLACE_FRONT_TABLE names the place_front_table program (ctest sets it)');
  return JSON.parse(execFileSync(exe, { encoding: 'utf8', timeout: 10000 }));
}

// The browser's action for a key as the key table writes it ("Shift+ArrowLeft", "Ctrl+l", "h").
function browserAction(key) {
  const m = /^(Shift|Ctrl)\+(.+)$/.exec(key);
  if (m && m[1] === 'Ctrl') return null; // main.js leaves every Ctrl combination to the browser
  return m ? keyAction(m[2], true) : keyAction(key, false);
}

test('the browser\'s keys do what the key table says (common/src/front.c, docs/keys.md)', () => {
  const c = frontTable();
  const table = { ...c.chars, ...c.named };
  assert.ok(Object.keys(table).length > 30, 'the table printed its keys');
  for (const [key, act] of Object.entries(table)) {
    assert.ok(act, `${key}: its action has no name in place_front_action_name (common/src/front.c)`);
    if (key in NATIVE_ONLY_KEYS) {
      assert.equal(browserAction(key), null, `${key} is listed in NATIVE_ONLY_KEYS (assets/web/js/keys.js) but the browser handles it`);
    } else {
      assert.equal(browserAction(key), act, `${key}: the key table says ${act}, the browser (assets/web/js/keys.js) ${browserAction(key) || 'does nothing'}`);
    }
  }
  for (const [key, act] of Object.entries(KEY_ACTIONS)) {
    assert.equal(table[key], act, `the browser's ${key} does ${act}; the key table: ${table[key] || 'nothing'} (add the key to place_front_keys, or to BROWSER_ONLY_KEYS with why)`);
  }
  for (const key of Object.keys(NATIVE_ONLY_KEYS)) {
    assert.ok(key in table, `${key} is listed native-only, but the native clients do not have it either`);
  }
  for (const [key, [act]] of Object.entries(BROWSER_ONLY_KEYS)) {
    assert.ok(!(key in table), `${key} is listed browser-only, but the key table has it (${table[key]})`);
    assert.equal(keyAction(key, false), act);
  }
});

function fresh(changes = []) {
  return new CanvasState((i) => changes.push(i));
}

test('reconciliation: deltas buffered before the snapshot survive it when newer', () => {
  const s = fresh();
  s.streamStart(10);
  s.applyBatch(decodeBatch(batchBytes(10, 12, [{ seq: 11, x: 0, y: 0, color: 5 }, { seq: 12, x: 1, y: 0, color: 6 }])));
  assert.equal(s.ready, false);
  // the snapshot (seq 11) already holds seq 11 but not seq 12
  const r = s.applySnapshot(decodeSnapshot(snapshotBytes(4, 4, 11, { '0,0': 5, '2,2': 9 })));
  assert.deepEqual(r, { applied: true, stale: false });
  assert.equal(s.colorAt(0, 0), 5);
  assert.equal(s.colorAt(1, 0), 6, 'the newer delta is not reverted by the older snapshot');
  assert.equal(s.seqAt(1, 0), 12);
  assert.equal(s.colorAt(2, 2), 9);
  assert.equal(s.overlay.size, 1, 'the delta covered by the snapshot is dropped');
});

test('reconciliation: an older delta never overrides a newer pixel; a refresh drops covered deltas', () => {
  const s = fresh();
  s.streamStart(0);
  s.applySnapshot(decodeSnapshot(snapshotBytes(4, 4, 0)));
  s.applyBatch(decodeBatch(batchBytes(0, 2, [{ seq: 1, x: 1, y: 1, color: 3 }, { seq: 2, x: 1, y: 1, color: 4 }])));
  assert.equal(s.colorAt(1, 1), 4);
  s.applyDelta(1, 1, 7, 1); // a late duplicate of seq 1
  assert.equal(s.colorAt(1, 1), 4);
  // refresh with a snapshot at seq 5 where someone painted (1,1) grey in seq 5
  s.applySnapshot(decodeSnapshot(snapshotBytes(4, 4, 5, { '1,1': 2 })));
  assert.equal(s.colorAt(1, 1), 2);
  assert.equal(s.overlay.size, 0);
  // an older snapshot than the one in use is ignored
  const r = s.applySnapshot(decodeSnapshot(snapshotBytes(4, 4, 3, { '1,1': 8 })));
  assert.equal(r.applied, false);
  assert.equal(s.colorAt(1, 1), 2);
});

test('reconciliation: a gap asks for a snapshot that reaches its end; a stale one says so', () => {
  const s = fresh();
  s.streamStart(0);
  s.applySnapshot(decodeSnapshot(snapshotBytes(4, 4, 0)));
  assert.equal(s.applyBatch(decodeBatch(batchBytes(0, 1, [{ seq: 1, x: 0, y: 0, color: 1 }]))).gap, false);
  const g = s.applyBatch(decodeBatch(batchBytes(5, 6, [{ seq: 6, x: 3, y: 3, color: 13 }])));
  assert.equal(g.gap, true);
  assert.equal(s.needSeq, 5);
  assert.equal(s.applySnapshot(decodeSnapshot(snapshotBytes(4, 4, 3))).stale, true);
  const ok = s.applySnapshot(decodeSnapshot(snapshotBytes(4, 4, 5, { '2,2': 10 })));
  assert.equal(ok.stale, false);
  assert.equal(s.colorAt(2, 2), 10);
  assert.equal(s.colorAt(3, 3), 13, 'the delta after the gap is kept');
});

test('reconciliation: a server whose seq went backwards (new canvas) resets everything', () => {
  const s = fresh();
  s.streamStart(50);
  s.applySnapshot(decodeSnapshot(snapshotBytes(4, 4, 50, { '0,0': 5 })));
  s.applyBatch(decodeBatch(batchBytes(50, 51, [{ seq: 51, x: 1, y: 1, color: 6 }])));
  assert.equal(s.streamStart(2), true);
  const r = s.applySnapshot(decodeSnapshot(snapshotBytes(4, 4, 2, { '3,3': 7 })));
  assert.equal(r.applied, true);
  assert.equal(s.colorAt(0, 0), 0);
  assert.equal(s.colorAt(1, 1), 0);
  assert.equal(s.colorAt(3, 3), 7);
  s.applyBatch(decodeBatch(batchBytes(2, 3, [{ seq: 3, x: 0, y: 0, color: 9 }])));
  assert.equal(s.colorAt(0, 0), 9);
});

// The reconciliation scenarios every client plays alike: tests/vectors/recon.json, which
// tests/engine/test_recon.c runs against the native clients' engine too.
const recon = JSON.parse(readFileSync(new URL('../vectors/recon.json', import.meta.url), 'utf8'));

// A vector's snapshot step as the bytes the server sends, decoded as the page decodes them.
function snapshotFromStep(w, h, step) {
  const pixels = {};
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels[`${x},${y}`] = step.fill || 0;
  for (const [x, y, c] of step.pixels || []) pixels[`${x},${y}`] = c;
  return decodeSnapshot(snapshotBytes(w, h, step.seq, pixels));
}

for (const sc of recon.scenarios) {
  test(`shared reconciliation vector: ${sc.name}`, () => {
    const s = fresh();
    sc.steps.forEach((st, i) => {
      const where = `${sc.name}, step ${i} (${st.op})`;
      switch (st.op) {
        case 'connect': s.streamStart(st.seq); break;
        case 'batch': {
          const records = st.pixels.map(([seq, x, y, color]) => ({ seq, x, y, color }));
          const { gap } = s.applyBatch(decodeBatch(batchBytes(st.prev, st.last, records)));
          if ('gap' in st) assert.equal(gap, st.gap, `${where}: gap`);
          break;
        }
        case 'snapshot': {
          const r = s.applySnapshot(snapshotFromStep(recon.width, recon.height, st));
          if ('stale' in st) assert.equal(r.stale, st.stale, `${where}: stale`);
          break;
        }
        case 'resync': s.resync(st.seq); break;
        case 'place': s.addPending(st.id, st.x, st.y, st.color, st.at); break;
        case 'placed': assert.ok(s.confirm(st.id, st.seq), `${where}: a pending placement`); break;
        case 'refused': s.reject(st.id); break;
        case 'tick': for (const id of s.expired(st.at)) s.reject(id, true); break;
        case 'expect':
          for (const [x, y, c] of st.shown || []) assert.equal(s.colorAt(x, y), c, `${where}: colour at (${x}, ${y})`);
          for (const [x, y, q] of st.seqs || []) assert.equal(s.seqAt(x, y), q, `${where}: seq at (${x}, ${y})`);
          break;
        default: assert.fail(`${where}: unknown op`);
      }
    });
  });
}

test('optimistic: shown at once above everything, confirmed as a delta, rolled back on error', () => {
  const changes = [];
  const s = fresh(changes);
  s.streamStart(0);
  s.applySnapshot(decodeSnapshot(snapshotBytes(4, 4, 0, { '2,1': 3 })));
  s.addPending('a', 2, 1, 5, 1000);
  assert.equal(s.colorAt(2, 1), 5);
  assert.ok(changes.includes(1 * 4 + 2));
  // someone else's delta underneath does not hide the optimistic pixel
  s.applyBatch(decodeBatch(batchBytes(0, 1, [{ seq: 1, x: 2, y: 1, color: 8 }])));
  assert.equal(s.colorAt(2, 1), 5);
  // rejected: back to what is underneath now (the other player's yellow), not the old black
  s.reject('a');
  assert.equal(s.colorAt(2, 1), 8);
  // confirmed with a seq older than a newer placement: the newer one stays visible
  s.addPending('b', 0, 0, 12, 2000);
  s.applyBatch(decodeBatch(batchBytes(1, 3, [{ seq: 3, x: 0, y: 0, color: 14 }])));
  s.confirm('b', 2);
  assert.equal(s.colorAt(0, 0), 14);
  // confirmed as the newest: it stays, with its seq
  s.addPending('c', 3, 3, 6, 3000);
  s.confirm('c', 4);
  assert.equal(s.colorAt(3, 3), 6);
  assert.equal(s.seqAt(3, 3), 4);
  assert.equal(s.hasPending(), false);
});

test('optimistic: pending placements time out after 10 s', () => {
  const s = fresh();
  s.applySnapshot(decodeSnapshot(snapshotBytes(2, 2, 0)));
  s.addPending('x', 1, 1, 4, 5000);
  assert.deepEqual(s.expired(14999), []);
  assert.deepEqual(s.expired(15000), ['x']);
});

test('backoff: 1, 2, 4 s then 8-30 s, each with under a second of jitter; stable resets', () => {
  let r = 0;
  const b = new Backoff(() => r);
  const seq = [];
  for (let i = 0; i < 7; i++) seq.push(b.next());
  assert.deepEqual(seq, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  r = 0.999;
  const j = new Backoff(() => r);
  const d = j.next();
  assert.ok(d >= 1000 && d < 2000, `jittered first delay ${d}`);
  b.connectedFor(STABLE_AFTER_MS - 1);
  assert.equal(b.next() >= 30000, true, 'a short-lived connection does not reset');
  b.connectedFor(STABLE_AFTER_MS);
  r = 0;
  assert.equal(b.next(), 1000);
});

test('view: zoom keeps the point under the pointer; pixelAt and the hash round-trip', () => {
  const v = new View();
  v.setViewport(800, 600);
  v.setCanvasSize(100, 100);
  v.z = 4;
  v.centerOn(50, 50);
  const before = v.screenToCanvas(300, 250);
  v.zoomAt(300, 250, 16);
  const after = v.screenToCanvas(300, 250);
  assert.ok(Math.abs(before.x - after.x) < 1e-9 && Math.abs(before.y - after.y) < 1e-9);
  v.z = 8;
  v.centerOn(20, 30);
  assert.deepEqual(v.pixelAt(400, 300), { x: 20, y: 30 });
  assert.deepEqual(v.pixelAt(400 + 8 * 3 + 1, 300 - 8 * 2 + 1), { x: 23, y: 28 });
  assert.equal(v.pixelAt(-1000, 0), null);
  assert.equal(v.toHash(), '#x=20&y=30&z=8');
  assert.deepEqual(parseHash('#x=20&y=30&z=8'), { x: 20, y: 30, z: 8 });
  assert.deepEqual(parseHash('#x=abc&y=&z=2.5&evil=1'), { z: 2.5 });
  v.panBy(80, 0);
  assert.equal(v.cx, 20.5 - 10);
});

test('snapshot refresh delay: jittered within 30-60 s', () => {
  assert.equal(jitter(30000, 60000, () => 0), 30000);
  assert.equal(jitter(30000, 60000, () => 0.5), 45000);
  assert.ok(jitter(30000, 60000, () => 0.9999999) < 60000);
});

test('reconciliation: a canvas that grew keeps no deltas under stale indices', () => {
  const s = fresh();
  s.streamStart(0);
  s.applySnapshot(decodeSnapshot(snapshotBytes(4, 4, 0)));
  s.applyBatch(decodeBatch(batchBytes(0, 2, [{ seq: 2, x: 1, y: 1, color: 6 }])));
  // the server restarted with a wider canvas; its snapshot (seq 1) is older than the delta
  s.streamStart(2);
  s.applySnapshot(decodeSnapshot(snapshotBytes(8, 4, 1)));
  assert.equal(s.colorAt(5, 0), 0, 'index 5, which was (1,1) at width 4, is not painted at (5,0)');
});

test('overview: a block shows its most common colour unless a 1-pixel line crosses it', async () => {
  const { blockColor } = await import('../../assets/web/js/overview.js');
  const { DEFAULT_PALETTE } = await import('../../assets/web/js/protocol.js');
  const rgb = DEFAULT_PALETTE.map(parseHexColor);
  const W = 40;
  const px = new Uint8Array(W * W); // white
  assert.equal(blockColor(px, W, 0, 0, 10, 10, rgb), 0);
  assert.equal(blockColor(px, W, 5, 5, 5, 9, rgb), -1);
  px[2 * W + 3] = 5; // scattered red: still white
  px[7 * W + 8] = 5;
  assert.equal(blockColor(px, W, 0, 0, 10, 10, rgb), 0);
  for (let x = 0; x < W; x++) px[4 * W + x] = 3; // a black row across
  assert.equal(blockColor(px, W, 0, 0, 10, 10, rgb), 3);
  for (let y = 10; y < W; y++) px[y * W + 20] = 1; // a light grey column
  assert.equal(blockColor(px, W, 20, 10, 30, 20, rgb), 1);
  px.fill(0);
  for (let x = 0; x < 9; x++) px[3 * W + x] = 3; // stops short of the block's edge
  assert.equal(blockColor(px, W, 0, 0, 10, 10, rgb), 0);
});
