// Cluster mode on real services: two (then three) placed processes on one Redis, one Kafka
// broker and one PostgreSQL, all on loopback. What a player on one process does, a player on
// another sees; the cooldown, sessions and bans are shared; the history in PostgreSQL is
// complete; the canvas in Redis has the snapshot's nibble order, and every process serves its
// snapshot from there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startCluster, eventually, sleep, CANVAS } from './lib/cluster.js';
import { connect, fetchSnapshot, tokenFrom } from '../server/lib/client.js';

let cl;
const clients = [];
const open = async (url, token) => { const c = await connect(url, token); clients.push(c); return c; };
const placedSeqs = []; // every seq a client was told is stored
const holes = []; // seqs used up in Redis on purpose, never produced

before(async () => {
  // the many clients here stand for many players, all on 127.0.0.1: cooldowns per account only,
  // no budget of new guests (tests/server/address.test.js covers those, in cluster mode too)
  cl = await startCluster({ servers: 2, cooldown: 60, holeMs: 1500,
    args: ['--cooldown-scope', 'account', '--guests-per-hour', '0'] });
});

after(async () => {
  for (const c of clients) c.close();
  if (cl) await cl.stop();
});

async function guestToken(base) {
  const res = await fetch(`${base}/api/v1/auth/me`);
  assert.equal(res.status, 200);
  return { token: tokenFrom(res), me: await res.json() };
}

test('a placement on A is acknowledged and seen by a client of B, in A\'s and B\'s snapshots', async () => {
  const [A, B] = cl.servers;
  const a = await open(A.wsUrl);
  const b = await open(B.wsUrl);
  const r = await a.placeAndWait(3, 4, 5, 'p1', 15000);
  assert.equal(r.type, 'placed', JSON.stringify(r));
  assert.ok(r.seq >= 1);
  placedSeqs.push(r.seq);
  const seen = await b.pixel(3, 4, 5, 15000);
  assert.equal(seen.seq, r.seq, 'B broadcasts the seq A acknowledged');
  for (const s of [A, B]) {
    const snap = await eventually(async () => {
      const { snap: sn } = await fetchSnapshot(s.url);
      return sn.seq >= r.seq && sn;
    }, 'a snapshot containing the placement', 10000);
    assert.equal(snap.width, CANVAS);
    assert.equal(snap.get(3, 4), 5, `snapshot of ${s.url}`);
  }
});

test('the canvas in Redis is one bitfield with the snapshot\'s nibble order', async () => {
  const [A] = cl.servers;
  const a = await open(A.wsUrl);
  const b = await open(A.wsUrl);
  // pixels 1 (odd: low nibble of byte 0) and 2 (even: high nibble of byte 1) of row 0
  const r1 = await a.placeAndWait(1, 0, 6, 'n1', 15000);
  const r2 = await b.placeAndWait(2, 0, 11, 'n2', 15000);
  assert.equal(r1.type, 'placed');
  assert.equal(r2.type, 'placed');
  placedSeqs.push(r1.seq, r2.seq);
  const bytes = cl.redis.cliRaw('GETRANGE', '{place}:canvas', '0', '1');
  assert.equal(bytes[0], 0x06, `byte 0 is ${bytes[0].toString(16)}`);
  assert.equal(bytes[1], 0xb0, `byte 1 is ${bytes[1].toString(16)}`);
  assert.ok(Number(cl.redis.cli('GET', '{place}:seq')) >= r2.seq);
  const snap = await eventually(async () => {
    const { snap: sn } = await fetchSnapshot(A.url);
    return sn.seq >= Math.max(r1.seq, r2.seq) && sn;
  }, 'snapshot with both pixels', 10000);
  assert.equal(snap.get(1, 0), 6);
  assert.equal(snap.get(2, 0), 11);
});

test('the cooldown holds across A and B', async () => {
  const [A, B] = cl.servers;
  const { token } = await guestToken(A.url);
  const a = await open(A.wsUrl, token);
  const b = await open(B.wsUrl, token);
  const r = await a.placeAndWait(10, 10, 3, 'c1', 15000);
  assert.equal(r.type, 'placed', JSON.stringify(r));
  placedSeqs.push(r.seq);
  assert.ok(r.nextPlacement > Date.now() + 50000, `nextPlacement ${r.nextPlacement}`);
  const e = await b.placeAndWait(11, 10, 3, 'c2', 15000);
  assert.equal(e.type, 'error');
  assert.equal(e.code, 'COOLDOWN');
  assert.ok(e.retryAfter > 50000 && e.retryAfter <= 60000, `retryAfter ${e.retryAfter}`);
  // B's init for the same user says the cooldown too
  const b2 = await open(B.wsUrl, token);
  assert.ok(b2.messages[0].cooldown > 50000, `init cooldown ${b2.messages[0].cooldown}`);
});

test('a session made on A works on B: guest, register, login, logout', async () => {
  const [A, B] = cl.servers;
  const { token, me } = await guestToken(A.url);
  assert.ok(token);
  const onB = await (await fetch(`${B.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).json();
  assert.equal(onB.userId, me.userId);
  assert.equal(onB.isGuest, true);

  const name = `u${Date.now() % 1e8}`;
  const reg = await fetch(`${A.url}/api/v1/auth/register`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ username: name, password: 'correct horse battery' }),
  });
  assert.equal(reg.status, 200);
  const regBody = await reg.json();
  assert.equal(regBody.userId, me.userId, 'the guest became the registered user');
  const taken = await fetch(`${B.url}/api/v1/auth/register`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: name, password: 'another password' }),
  });
  assert.equal(taken.status, 409);
  assert.equal((await taken.json()).error, 'USERNAME_TAKEN');

  const bad = await fetch(`${B.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: name, password: 'wrong password!' }),
  });
  assert.equal(bad.status, 401);
  const login = await fetch(`${B.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: name, password: 'correct horse battery' }),
  });
  assert.equal(login.status, 200);
  const t2 = tokenFrom(login);
  const meA = await (await fetch(`${A.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${t2}` } })).json();
  assert.equal(meA.username, name);
  assert.equal(meA.isGuest, false);

  const ttl = Number(cl.redis.cli('TTL', `{place}:sess:${t2}`));
  assert.ok(ttl > 86000 && ttl <= 86400, `a session lives 24 h in Redis (TTL ${ttl})`);
  const out = await fetch(`${A.url}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${t2}` } });
  assert.equal(out.status, 200);
  const after = await fetch(`${B.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${t2}` } });
  const afterBody = await after.json();
  assert.notEqual(afterBody.username, name, 'a session revoked on A is gone on B');
});

test('a ban applied with placed --ban reaches every process: sockets on A and B told and closed at once', async () => {
  const [A, B] = cl.servers;
  const name = `bad${Date.now() % 1e8}`;
  const reg = await fetch(`${A.url}/api/v1/auth/register`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: name, password: 'a password here' }),
  });
  assert.equal(reg.status, 200);
  const token = tokenFrom(reg);
  const onA = await open(A.wsUrl, token);
  const onB = await open(B.wsUrl, token);
  const out = cl.admin('ban', name);
  assert.equal(out.code, 0, out.stderr);
  for (const c of [onA, onB]) {
    await c.next('banned', {}, 3000);
    assert.equal((await c.closedWith(3000)).code, 4003);
  }
  const me = await (await fetch(`${B.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).json();
  assert.equal(me.isBanned, true, 'B knows');
  const again = await open(B.wsUrl, token);
  assert.equal((await again.placeAndWait(40, 40, 1, 'banned-try', 15000)).code, 'BANNED');
  const login = await fetch(`${B.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: name, password: 'a password here' }),
  });
  assert.equal(login.status, 403);
  assert.equal((await login.json()).error, 'BANNED');
  assert.notEqual(cl.admin('ban', 'nobody-like-this').code, 0);
  // unban: the watching socket is sent away (1001) and the same session places again
  assert.equal(cl.admin('unban', name).code, 0);
  assert.equal((await again.closedWith(3000)).code, 1001);
  const back = await open(A.wsUrl, token);
  const r = await back.placeAndWait(40, 40, 1, 'unbanned', 15000);
  assert.equal(r.type, 'placed', JSON.stringify(r));
  placedSeqs.push(r.seq);
});

test('logout on A closes the session\'s sockets on A and B at once', async () => {
  const [A, B] = cl.servers;
  const { token } = await guestToken(A.url);
  const onA = await open(A.wsUrl, token);
  const onB = await open(B.wsUrl, token);
  const out = await fetch(`${A.url}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  assert.equal(out.status, 200);
  assert.equal((await onA.closedWith(3000)).code, 4001);
  assert.equal((await onB.closedWith(3000)).code, 4001);
});

test('--ban-ip reaches every process: a socket from the address on B is told and closed; --unban-ip', async () => {
  const [A, B] = cl.servers;
  const from = { localAddress: '127.0.0.7' };
  const onB = await connect(B.wsUrl, null, from);
  clients.push(onB);
  const out = cl.admin('ban-ip', '127.0.0.7');
  assert.equal(out.code, 0, out.stderr);
  await onB.next('banned', {}, 3000);
  assert.equal((await onB.closedWith(3000)).code, 4003);
  // a new visitor from there, on A: a banned viewer, refused
  const onA = await connect(A.wsUrl, null, from);
  clients.push(onA);
  assert.equal(onA.messages[0].user.isBanned, true);
  assert.equal((await onA.placeAndWait(41, 41, 2, 'ip-banned', 15000)).code, 'BANNED');
  // lifted: the viewer is sent back to come again as a player
  assert.equal(cl.admin('unban-ip', '127.0.0.7').code, 0);
  assert.equal((await onA.closedWith(3000)).code, 1001);
});

test('placements from many clients on both processes: every process broadcasts all of them in seq order', async () => {
  const [A, B] = cl.servers;
  const watchA = await open(A.wsUrl);
  const watchB = await open(B.wsUrl);
  const players = [];
  for (let i = 0; i < 20; i++) players.push(await open(i % 2 ? B.wsUrl : A.wsUrl));
  const answers = await Promise.all(players.map((p, i) => p.placeAndWait(i, 20, (i % 15) + 1, `m${i}`, 20000)));
  for (const r of answers) assert.equal(r.type, 'placed', JSON.stringify(r));
  const seqs = answers.map((r) => r.seq);
  placedSeqs.push(...seqs);
  assert.equal(new Set(seqs).size, seqs.length, 'every seq is unique');
  for (const w of [watchA, watchB]) {
    await w.waitFor((c) => {
      const got = new Set(c.batches.flatMap((b) => b.pixels.map((p) => p.seq)));
      return seqs.every((s) => got.has(s));
    }, 'all 20 placements', 15000);
    // batches chain (prevSeq = previous lastSeq) and records ascend
    let last = null;
    for (const b of w.batches) {
      if (last !== null) assert.equal(b.prevSeq, last);
      last = b.lastSeq;
      for (let i = 1; i < b.pixels.length; i++) assert.ok(b.pixels[i].seq > b.pixels[i - 1].seq);
    }
  }
});

test('every process reads its snapshot from Redis, with the seq, at most a second old', async () => {
  const [A, B] = cl.servers;
  // A pixel written into Redis the way the placement script writes one, but never produced to
  // Kafka: a process can only show it by reading the canvas from Redis.
  const script = "redis.call('BITFIELD', KEYS[1], 'SET', 'u4', '#' .. ARGV[1], ARGV[2]) " +
    "return redis.call('INCR', KEYS[2])";
  const seq = Number(cl.redis.cli('EVAL', script, '2', '{place}:canvas', '{place}:seq',
    String(2 * CANVAS + 61), '13'));
  assert.ok(seq >= 1);
  holes.push(seq); // the feed skips it as a hole: it has no event
  const t0 = Date.now();
  for (const s of [A, B]) {
    const { res, snap } = await eventually(async () => {
      const got = await fetchSnapshot(s.url);
      return got.snap.seq >= seq && got;
    }, `a snapshot of ${s.url} with the pixel written into Redis`, 5000, 50);
    assert.equal(snap.get(61, 2), 13, `pixel (61, 2) in the snapshot of ${s.url}`);
    assert.equal(res.headers.get('x-place-seq'), String(snap.seq));
    assert.equal(res.headers.get('etag'), `"${snap.seq}-${CANVAS}x${CANVAS}"`);
  }
  const took = Date.now() - t0;
  // cached for at most 1 s, plus the read and the polling
  assert.ok(took < 2500, `both snapshots showed it after ${took} ms`);
});

test('a seq numbered in Redis but never produced is skipped as a hole after --hole-ms', async () => {
  const [A, B] = cl.servers;
  const b = await open(B.wsUrl);
  // what a placed that died between its Redis script and Kafka leaves behind: a used seq
  const hole = Number(cl.redis.cli('INCR', '{place}:seq'));
  holes.push(hole);
  const a = await open(A.wsUrl);
  const t0 = Date.now();
  const r = await a.placeAndWait(20, 21, 8, 'after-hole', 15000);
  assert.equal(r.type, 'placed');
  assert.equal(r.seq, hole + 1);
  placedSeqs.push(r.seq);
  const seen = await b.pixel(20, 21, 8, 15000);
  assert.equal(seen.seq, r.seq);
  assert.ok(Date.now() - t0 >= 1000, 'held back while the hole might still be filled');
  const batch = b.batches.find((x) => x.pixels.some((p) => p.seq === r.seq));
  assert.ok(batch.prevSeq < hole && batch.lastSeq >= r.seq, `the batch covers the hole: ${JSON.stringify(batch)}`);
  assert.ok(!batch.pixels.some((p) => p.seq === hole));
});

test('a placement whose event comes after its hole was skipped still reaches every viewer', async () => {
  const [A, B] = cl.servers;
  const viewers = [await open(A.wsUrl), await open(B.wsUrl)];
  const placer = await open(A.wsUrl);
  // a placed that numbered seq S and set its pixel in Redis, then its producer stalled
  const script = "redis.call('BITFIELD', KEYS[1], 'SET', 'u4', '#' .. ARGV[1], ARGV[2]) " +
    "return redis.call('INCR', KEYS[2])";
  const late = Number(cl.redis.cli('EVAL', script, '2', '{place}:canvas', '{place}:seq',
    String(47 * CANVAS + 50), '9'));
  const r = await placer.placeAndWait(51, 47, 10, 'after-late', 15000);
  assert.equal(r.type, 'placed');
  assert.equal(r.seq, late + 1);
  placedSeqs.push(r.seq);
  // every process gave up waiting for S (--hole-ms) and broadcast S+1
  for (const v of viewers) assert.equal((await v.pixel(51, 47, 10, 15000)).seq, r.seq);
  const from = viewers.map((v) => v.messages.length);
  // now the stalled producer delivers S
  const tool = process.env.PLACE_KAFKA_PRODUCE;
  assert.ok(tool, 'PLACE_KAFKA_PRODUCE names the test producer (ctest sets it)');
  const p = spawnSync(tool, [cl.kafka.brokers, cl.topic, String(late), '50', '47', '9',
    'ab'.repeat(16), 'late_one'], { encoding: 'utf8', timeout: 25000 });
  assert.equal(p.status, 0, p.stderr);
  for (const [i, v] of viewers.entries()) {
    const rs = await v.next('resync', { reason: 'late' }, 10000, from[i]);
    assert.ok(rs.seq >= r.seq, `resync seq ${rs.seq}`);
    const url = i === 0 ? A.url : B.url;
    const snap = await eventually(async () => {
      const { snap: sn } = await fetchSnapshot(url);
      return sn.seq >= rs.seq && sn;
    }, 'the snapshot the resync asks for', 10000);
    assert.equal(snap.get(50, 47), 9, `the late pixel in the snapshot of ${url}`);
    assert.equal(snap.get(51, 47), 10);
  }
});

test('a third placed started later loads the canvas from Redis and joins the feed', async () => {
  const C = await cl.addServer();
  const { snap } = await fetchSnapshot(C.url);
  assert.equal(snap.get(3, 4), 5);
  assert.equal(snap.get(2, 0), 11);
  const c = await open(C.wsUrl);
  const a = await open(cl.servers[0].wsUrl);
  const r = await a.placeAndWait(40, 40, 9, 'late', 15000);
  assert.equal(r.type, 'placed');
  placedSeqs.push(r.seq);
  const seen = await c.pixel(40, 40, 9, 15000);
  assert.equal(seen.seq, r.seq);
});

test('several placed share one port with --reuse-port', async () => {
  const { freePort } = await import('./lib/services.js');
  const { startServer } = await import('../server/lib/server.js');
  const port = await freePort();
  const flags = [...cl.flags(), '--reuse-port', '--port', String(port)];
  const started = [];
  try {
    started.push(await startServer({ args: flags }));
    started.push(await startServer({ args: flags }));
    for (const s of started) assert.equal(s.port, port);
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/canvas/info`);
      assert.equal(res.status, 200);
    }
    // with the first one gone the port still answers: the second listens on it too
    await started[0].stop();
    started[0].cleanup();
    started.shift();
    const a = await open(cl.servers[0].wsUrl);
    const p = await open(`ws://127.0.0.1:${port}/ws`);
    const r = await p.placeAndWait(50, 50, 2, 'shared-port', 15000);
    assert.equal(r.type, 'placed');
    placedSeqs.push(r.seq);
    const seenA = await a.pixel(50, 50, 2, 15000);
    assert.equal(seenA.seq, r.seq);
  } finally {
    for (const s of started) {
      await s.stop();
      s.cleanup();
    }
  }
});

test('nginx in front (docs/deploy.md): balances /ws and the API, caches the snapshot for a second', async () => {
  const { Nginx } = await import('./lib/services.js');
  const nginx = await new Nginx().start(cl.servers.slice(0, 2).map((s) => s.port));
  try {
    // two requests back to back: the second is served from the cache (unless a slow machine
    // let the 1 s TTL run out between them, hence a few tries)
    const states = [];
    for (let i = 0; i < 5 && !states.includes('HIT'); i++) {
      for (let k = 0; k < 2; k++) {
        const res = await fetch(`${nginx.url}/api/v1/canvas/snapshot`);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        states.push(res.headers.get('x-cache'));
      }
    }
    assert.ok(states.includes('HIT'), `a request was served from nginx's cache: ${states}`);
    assert.ok(states.some((x) => x === 'MISS' || x === 'EXPIRED'), `and some went to placed: ${states}`);
    const { snap } = await fetchSnapshot(nginx.url);
    assert.equal(snap.width, CANVAS);
    const c = await open(nginx.url.replace('http', 'ws') + '/ws');
    const r = await c.placeAndWait(30, 31, 12, 'via-nginx', 15000);
    assert.equal(r.type, 'placed', JSON.stringify(r));
    placedSeqs.push(r.seq);
    // within about a second (TTL) plus one rebuild (a second) the cached snapshot has it
    const fresh = await eventually(async () => {
      const { snap: sn } = await fetchSnapshot(nginx.url);
      return sn.seq >= r.seq && sn;
    }, 'the cached snapshot to refresh', 6000);
    assert.equal(fresh.get(30, 31), 12);
    const info = await fetch(`${nginx.url}/api/v1/canvas/info`);
    assert.equal((await info.json()).width, CANVAS);
  } finally {
    await nginx.destroy();
  }
});

test('the history in PostgreSQL is complete, and /api/v1/pixel reads it', async () => {
  const [, B] = cl.servers;
  const want = [...placedSeqs].sort((x, y) => x - y);
  const rows = await eventually(() => {
    const got = cl.pg.query('SELECT seq FROM place_history ORDER BY seq').map((r) => Number(r[0]));
    return want.every((s) => got.includes(s)) && got;
  }, 'every acknowledged placement in place_history', 20000);
  assert.equal(new Set(rows).size, rows.length, 'no duplicates');
  const maxSeq = Number(cl.redis.cli('GET', '{place}:seq'));
  const expected = Array.from({ length: maxSeq }, (_, i) => i + 1).filter((s) => !holes.includes(s));
  assert.deepEqual(rows, expected, 'no gaps but the hole made on purpose: seq 1..max');
  // the table is partitioned by day
  const parts = cl.pg.query("SELECT count(*) FROM pg_inherits WHERE inhparent = 'place_history'::regclass");
  assert.ok(Number(parts[0][0]) >= 1);
  const hist = await (await fetch(`${B.url}/api/v1/pixel?x=3&y=4`)).json();
  assert.equal(hist.placements.length, 1);
  assert.equal(hist.placements[0].color, 5);
  assert.match(hist.placements[0].username, /^guest-[0-9a-f]{8}$/);
  assert.equal(hist.placements[0].seq, placedSeqs[0]);
});

test('placed stops cleanly in cluster mode', async () => {
  const s = cl.servers.pop();
  const st = await s.stop();
  s.cleanup();
  assert.equal(st.code, 0, s.stderr());
  await sleep(10);
});
