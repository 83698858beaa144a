// Past snapshots and heatmaps in cluster mode against late events (issue 18c): a seq numbered in
// Redis whose event reaches Kafka after a later one. Until every seq up to N is settled (stored,
// or a hole older than --hole-ms), snapshot?seq=N is not "immutable" and not kept by the server,
// and a kept heatmap window does not keep counts that miss it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startCluster, eventually, CANVAS } from './lib/cluster.js';
import { connect, decodeSnapshot, decodeBatch } from '../server/lib/client.js';

let cl;
const clients = [];
const HOLE_MS = 5000;

before(async () => {
  cl = await startCluster({ servers: 1, cooldown: 0, holeMs: HOLE_MS,
    args: ['--guests-per-hour', '0'] });
});

after(async () => {
  for (const c of clients) c.close();
  if (cl) await cl.stop();
});

// a placed that numbered a seq and set its pixel in Redis, its producer stalled
const numberInRedis = (x, y, color) => Number(cl.redis.cli('EVAL',
  "redis.call('BITFIELD', KEYS[1], 'SET', 'u4', '#' .. ARGV[1], ARGV[2]) " +
  "return redis.call('INCR', KEYS[2])", '2', '{place}:canvas', '{place}:seq',
  String(y * CANVAS + x), String(color)));

const heatAt = async (base, x, y) => {
  const res = await fetch(`${base}/api/v1/canvas/heatmap?since=0&block=1`);
  assert.equal(res.status, 200);
  const b = Buffer.from(await res.arrayBuffer());
  assert.equal(b.toString('latin1', 0, 4), 'PLCH');
  const cols = b.readUInt32LE(16);
  return { count: b.readUInt16LE(56 + 2 * (y * cols + x)), toSeq: Number(b.readBigUInt64LE(40)) };
};

// the past snapshot at seq N, as served
const fetchSnapshot = async (base, query) => {
  const res = await fetch(`${base}/api/v1/canvas/snapshot?${query}`);
  assert.equal(res.status, 200, query);
  return { res, snap: decodeSnapshot(Buffer.from(await res.arrayBuffer())) };
};

// waits until PostgreSQL holds the placement seq (the history stream from seq - 1 starts with it)
const stored = (base, seq) => eventually(async () => {
  const res = await fetch(`${base}/api/v1/history?from=${seq - 1}&limit=1`);
  if (res.status !== 200) return false;
  const b = decodeBatch(Buffer.from(await res.arrayBuffer()));
  return b.pixels.length === 1 && b.pixels[0].seq === seq;
}, `seq ${seq} in PostgreSQL`, 10000, 50);

test('a past snapshot over a late event is not immutable until the event is stored, then has it', async () => {
  const [A] = cl.servers;
  const placer = await connect(A.wsUrl);
  clients.push(placer);
  const first = await placer.placeAndWait(1, 1, 3, 'before', 15000);
  assert.equal(first.type, 'placed');
  const late = numberInRedis(50, 47, 9);
  const r = await placer.placeAndWait(51, 47, 10, 'after-late', 15000);
  assert.equal(r.type, 'placed');
  assert.equal(r.seq, late + 1);
  await stored(A.url, r.seq);
  // the window counts what is stored now: the late pixel is missing
  assert.equal((await heatAt(A.url, 51, 47)).count, 1);
  assert.equal((await heatAt(A.url, 50, 47)).count, 0);
  // seq `late` is missing and the placement after it is younger than --hole-ms: not settled
  const early = await fetchSnapshot(`${A.url}`, `seq=${r.seq}`);
  assert.equal(early.snap.seq, r.seq);
  assert.equal(early.snap.get(50, 47), 0);
  const cc = early.res.headers.get('cache-control');
  assert.ok(!/immutable/.test(cc), `not immutable while seq ${late} may still come: ${cc}`);
  assert.match(cc, /max-age=[0-9]\b/);

  // the stalled producer delivers it
  const p = spawnSync(process.env.PLACE_KAFKA_PRODUCE, [cl.kafka.brokers, cl.topic, String(late),
    '50', '47', '9', 'ab'.repeat(16), 'late_one'], { encoding: 'utf8', timeout: 25000 });
  assert.equal(p.status, 0, p.stderr);
  await stored(A.url, late);
  const again = await fetchSnapshot(`${A.url}`, `seq=${r.seq}`);
  assert.equal(again.snap.get(50, 47), 9, 'the late pixel is in the past snapshot');
  assert.equal(again.snap.get(51, 47), 10);
  assert.match(again.res.headers.get('cache-control'), /immutable/, 'every seq up to it is stored');
  // and in the heatmap window kept from before
  assert.equal((await heatAt(A.url, 50, 47)).count, 1, 'the kept heatmap window counts the late one');
  assert.equal((await heatAt(A.url, 51, 47)).count, 1);
});

test('a hole older than --hole-ms is settled: a snapshot past it is immutable', async () => {
  const [A] = cl.servers;
  const placer = await connect(A.wsUrl);
  clients.push(placer);
  const hole = Number(cl.redis.cli('INCR', '{place}:seq')); // numbered, never produced
  const r = await placer.placeAndWait(7, 8, 4, 'after-hole', 15000);
  assert.equal(r.seq, hole + 1);
  await stored(A.url, r.seq);
  const t = Date.now();
  const early = await fetchSnapshot(`${A.url}`, `seq=${r.seq}`);
  if (Date.now() - t < HOLE_MS / 2) // the placement after the hole is younger than --hole-ms
    assert.ok(!/immutable/.test(early.res.headers.get('cache-control')));
  const settled = await eventually(async () => {
    const got = await fetchSnapshot(`${A.url}`, `seq=${r.seq}`);
    return /immutable/.test(got.res.headers.get('cache-control')) && got;
  }, 'the hole settled', 3 * HOLE_MS + 2000, 200);
  assert.equal(settled.snap.get(7, 8), 4);
});
