// place.db of the first layout (placements indexed by (x, y, seq), users.last_place written by
// every placement) is migrated in place when placed opens it: every pixel keeps its history,
// colours, seq and cooldowns, new placements chain onto the old ones, and the file is left in
// layout 2 (placements chained per pixel, no (x, y) index, 1 KiB pages). Embedded mode only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { connect, fetchSnapshot } from './lib/client.js';
import { startServer, tempDir } from './lib/server.js';

function sqlite(dir, sql) {
  const r = spawnSync('sqlite3', [path.join(dir, 'place.db')], { input: sql, encoding: 'utf8' });
  assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
  return r.stdout.trim();
}

const ALICE = 'a'.repeat(32);
const GUEST = 'b'.repeat(32);
const TOKEN = 'c'.repeat(64);

// The first layout, exactly as placed created it before layout 2.
function oldDatabase(dir, now) {
  sqlite(dir, `
PRAGMA page_size=4096; PRAGMA journal_mode=WAL;
CREATE TABLE canvas(id INTEGER PRIMARY KEY CHECK (id = 1), width INTEGER, height INTEGER, seq INTEGER, bits BLOB);
CREATE TABLE placements(seq INTEGER PRIMARY KEY, x INTEGER, y INTEGER, color INTEGER, user_id TEXT, time INTEGER);
CREATE INDEX placements_xy ON placements(x, y, seq);
CREATE TABLE users(id TEXT PRIMARY KEY, name TEXT UNIQUE, pwhash TEXT, is_guest INTEGER, is_admin INTEGER, is_banned INTEGER, last_place INTEGER DEFAULT 0, created INTEGER, banned_until INTEGER DEFAULT 0, ban_reason TEXT);
CREATE TABLE sessions(token TEXT PRIMARY KEY, user_id TEXT, expires INTEGER);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE addr_bans(cidr TEXT PRIMARY KEY, until INTEGER, guests_only INTEGER, user_id TEXT, reason TEXT, created INTEGER);
CREATE TABLE user_addrs(user_id TEXT, addr TEXT, seen INTEGER, PRIMARY KEY(user_id, addr));
INSERT INTO canvas VALUES(1, 64, 64, 0, zeroblob(2048));
INSERT INTO users(id, name, pwhash, is_guest, is_admin, is_banned, last_place, created)
  VALUES('${ALICE}', 'alice', NULL, 0, 0, 0, ${now - 10000}, ${now - 60000}),
        ('${GUEST}', NULL, NULL, 1, 0, 0, ${now - 400000}, ${now - 60000});
INSERT INTO sessions VALUES('${TOKEN}', '${ALICE}', ${now + 86400000});
INSERT INTO placements VALUES(1, 5, 5, 3, '${ALICE}', ${now - 50000}),
  (2, 6, 6, 4, '${GUEST}', ${now - 40000}), (3, 5, 5, 7, '${GUEST}', ${now - 30000}),
  (4, 5, 5, 9, '${ALICE}', ${now - 20000}), (5, 6, 6, 2, '${ALICE}', ${now - 10000});
`);
}

async function history(url, x, y) {
  const res = await fetch(`${url}/api/v1/pixel?x=${x}&y=${y}`);
  assert.equal(res.status, 200);
  return (await res.json()).placements;
}

test('a database of the first layout is migrated: history, colours, seq and cooldowns kept', async () => {
  const dir = tempDir();
  const now = Date.now();
  oldDatabase(dir, now);
  const srv = await startServer({ dataDir: dir, args: ['--cooldown', '300'] });
  try {
    assert.match(srv.stderr(), /migrating place\.db to layout 2/);
    const h55 = await history(srv.url, 5, 5);
    assert.deepEqual(h55.map((p) => [p.seq, p.color, p.username]),
      [[4, 9, 'alice'], [3, 7, `guest-${'b'.repeat(8)}`], [1, 3, 'alice']]);
    assert.equal(h55[0].time, now - 20000);
    assert.deepEqual((await history(srv.url, 6, 6)).map((p) => p.seq), [5, 2]);
    assert.deepEqual(await history(srv.url, 7, 7), []);
    const { snap } = await fetchSnapshot(srv.url);
    assert.equal(snap.seq, 5);
    assert.equal(snap.get(5, 5), 9);
    assert.equal(snap.get(6, 6), 2);

    // alice placed 10 s ago (users.last_place and her newest placement): her cooldown runs on
    const alice = await connect(srv.wsUrl, TOKEN);
    assert.equal(alice.messages[0].user.username, 'alice');
    assert.ok(Math.abs(alice.messages[0].nextPlacement - (now + 290000)) < 1000);
    assert.equal((await alice.placeAndWait(9, 9, 1, 'early')).code, 'COOLDOWN');
    alice.close();

    // a new placement chains onto the migrated ones and takes the next seq
    const g = await connect(srv.wsUrl);
    const p = await g.placeAndWait(5, 5, 12, 'new');
    assert.equal(p.type, 'placed');
    assert.equal(p.seq, 6);
    g.close();
    assert.deepEqual((await history(srv.url, 5, 5)).map((e) => [e.seq, e.color]),
      [[6, 12], [4, 9], [3, 7], [1, 3]]);
  } finally {
    assert.equal((await srv.stop()).code, 0);
  }

  // the file is now layout 2: chained rows, no (x, y) index, small pages
  assert.equal(sqlite(dir, 'PRAGMA user_version;'), '2');
  assert.equal(sqlite(dir, 'PRAGMA page_size;'), '1024');
  assert.equal(sqlite(dir, "SELECT count(*) FROM sqlite_master WHERE name = 'placements_xy';"), '0');
  assert.equal(sqlite(dir, 'SELECT group_concat(seq || ":" || prev, " ") FROM placements;'),
    '1:0 2:0 3:1 4:3 5:2 6:4');

  // and opens again as it is, without migrating twice
  const again = await startServer({ dataDir: dir, args: ['--cooldown', '300'] });
  try {
    assert.doesNotMatch(again.stderr(), /migrating/);
    assert.deepEqual((await history(again.url, 5, 5)).map((e) => e.seq), [6, 4, 3, 1]);
    assert.deepEqual((await history(again.url, 6, 6)).map((e) => e.seq), [5, 2]);
  } finally {
    assert.equal((await again.stop()).code, 0);
    again.cleanup();
  }
});

test('a new database is created in layout 2 and its history survives kill -9', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  const c = await connect(srv.wsUrl);
  const seqs = [];
  for (let i = 0; i < 5; i++) seqs.push((await c.placeAndWait(3, 4, i + 1, `p${i}`)).seq);
  c.close();
  await srv.kill9();
  const again = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '0'] });
  try {
    assert.deepEqual((await history(again.url, 3, 4)).map((e) => [e.seq, e.color]),
      seqs.map((s, i) => [s, i + 1]).reverse());
  } finally {
    assert.equal((await again.stop()).code, 0);
  }
  assert.equal(sqlite(srv.dataDir, 'PRAGMA user_version;'), '2');
  assert.equal(sqlite(srv.dataDir, 'PRAGMA page_size;'), '1024');
  again.cleanup();
});

test('a layout-2 file that a placed of layout 1 wrote to (index back, rows without prev) is linked again', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  const c = await connect(srv.wsUrl);
  const a = await c.placeAndWait(2, 2, 4, 'a');
  const b = await c.placeAndWait(2, 2, 6, 'b');
  c.close();
  assert.equal((await srv.stop()).code, 0);
  // what the older placed does on open and on a placement: its index, a row without prev
  sqlite(srv.dataDir, `
CREATE INDEX IF NOT EXISTS placements_xy ON placements(x, y, seq);
INSERT INTO placements(seq, x, y, color, user_id, time) VALUES(${b.seq + 1}, 2, 2, 9, '${GUEST}', ${Date.now()});
`);
  const again = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '0'] });
  try {
    assert.match(again.stderr(), /a placed of the older layout wrote to it/);
    assert.deepEqual((await history(again.url, 2, 2)).map((e) => [e.seq, e.color]),
      [[b.seq + 1, 9], [b.seq, 6], [a.seq, 4]]);
  } finally {
    assert.equal((await again.stop()).code, 0);
  }
  assert.equal(sqlite(srv.dataDir, "SELECT count(*) FROM sqlite_master WHERE name = 'placements_xy';"), '0');
  again.cleanup();
});
