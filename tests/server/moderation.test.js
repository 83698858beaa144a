// Moderation of pixels and the audit log (issue 14): --revert-user, --wipe, --restore --at and
// --audit, through a second `placed` invocation on a running server (its control socket) and on
// a stopped one (the store directly).
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { connect, fetchSnapshot, tokenFrom } from './lib/client.js';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { adminArgs, placedPath, runPlaced, startServer } from './lib/server.js';

const json = { 'content-type': 'application/json' };
const cluster = !!process.env.PLACE_TEST_CLUSTER;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const me = `os:${os.userInfo().username}`;

async function register(srv, username) {
  const res = await fetch(`${srv.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ username, password: 'long passphrase 1' }) });
  assert.equal(res.status, 200);
  return { token: tokenFrom(res), ...(await res.json()) };
}

// `placed --audit` as rows: [{ when, who, act, what, pixels }]
function audit(dataDir, extra = []) {
  const r = runPlaced(['--data-dir', dataDir, '--audit', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((line) => {
    const [when, who, act, ...rest] = line.split('  ');
    const m = rest.join('  ').match(/^(.*?)(?:  \((\d+) pixels? changed\))?$/);
    return { when, who, act, what: m[1], pixels: m[2] === undefined ? null : Number(m[2]) };
  });
}

test('ban, unban and grant are on record with who did them, after a restart too', async () => {
  let srv = await startServer({ args: ['--cooldown', '0'] });
  try {
    await register(srv, 'alice');
    await register(srv, 'bob');
    assert.deepEqual(audit(srv.dataDir), [], 'a new store has an empty log');
    const t0 = Date.now();
    for (const args of [['--ban', 'alice', '--reason', 'spam\tand more'], ['--unban', 'alice'], ['--grant-admin', 'bob']]) {
      const r = runPlaced(['--data-dir', srv.dataDir, ...args]);
      assert.equal(r.code, 0, r.stderr);
    }
    // a refused act is not an act
    assert.notEqual(runPlaced(['--data-dir', srv.dataDir, '--ban', 'nobody-here']).code, 0);
    await srv.stop();
    // with no server running, the act goes to the store and on record too
    assert.equal(runPlaced(['--data-dir', srv.dataDir, '--ban', 'bob', '--for', '1h']).code, 0);
    srv = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '0'] });
    const rows = audit(srv.dataDir);
    assert.deepEqual(rows.map((r) => [r.who, r.act, r.what, r.pixels]), [
      [me, 'ban', 'user alice, reason: spam and more', null],
      [me, 'unban', 'user alice', null],
      [me, 'grant', 'user bob', null],
      [me, 'ban', rows[3].what, null],
    ]);
    assert.match(rows[3].what, /^user bob, until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (const r of rows) {
      const t = Date.parse(r.when);
      assert.ok(t >= t0 - 1000 && t <= Date.now() + 1000, `${r.when} is when it happened`);
    }
    // --since keeps the later ones
    const last = Date.parse(rows[3].when);
    assert.deepEqual(audit(srv.dataDir, ['--since', new Date(last).toISOString()]).map((r) => r.act), ['ban']);
    assert.equal(audit(srv.dataDir, ['--since', '-1h']).length, 4);
    const bad = runPlaced(['--data-dir', srv.dataDir, '--audit', '--since', 'yesterday-ish']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a time/);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});


// The snapshot once it holds everything the server has applied (a snapshot is rebuilt after a
// short while, so one fetched at once may be older than the live canvas).
// minSeq: also at least this (in cluster mode the canvas info's seq is this process's, which
// hears the others' placements, and its own, through Kafka a moment later).
async function settled(srv, minSeq = 0) {
  const info = await (await fetch(`${srv.url}/api/v1/canvas/info`)).json();
  const seq = Math.max(info.seq, minSeq);
  for (let i = 0; i < 100; i++) {
    const { snap } = await fetchSnapshot(srv.url);
    if (snap.seq >= seq) return snap;
    await sleep(50);
  }
  throw new Error(`the snapshot never reached seq ${seq}`);
}

// A viewer that keeps its own canvas as a client does: the snapshot when it connected, then
// every batch after it, in seq order.
async function viewer(srv, token) {
  const { snap } = await fetchSnapshot(srv.url);
  const c = await connect(srv.wsUrl, token);
  c.canvasAt = async (seq) => {
    await c.waitFor((cc) => cc.batches.some((b) => b.lastSeq >= seq), `batches up to seq ${seq}`, 10000);
    const px = new Map();
    for (const b of c.batches) {
      for (const p of b.pixels) if (p.seq > snap.seq && p.seq <= seq) px.set(`${p.x},${p.y}`, p.color);
    }
    return (x, y) => (px.has(`${x},${y}`) ? px.get(`${x},${y}`) : snap.get(x, y));
  };
  return c;
}

// Asserts that every viewer's canvas equals the server's snapshot, pixel for pixel.
async function converged(srv, viewers, minSeq = 0) {
  const snap = await settled(srv, minSeq);
  for (const v of viewers) {
    const get = await v.canvasAt(snap.seq);
    for (let y = 0; y < snap.height; y++) {
      for (let x = 0; x < snap.width; x++) assert.equal(get(x, y), snap.get(x, y), `viewer's (${x},${y})`);
    }
  }
  return snap;
}

// The seq of the last pixel an act changed, from its last line.
function lastSeq(out) {
  const m = out.match(/the last at seq (\d+)/);
  assert.ok(m, out);
  return Number(m[1]);
}

async function pixelInfo(srv, x, y) {
  return (await fetch(`${srv.url}/api/v1/pixel?x=${x}&y=${y}`)).json();
}

test('--revert-user puts back what the griefer covered, keeps what others painted after, and every client converges', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  try {
    const [alice, bob, griefer, carol] = [await register(srv, 'alice'), await register(srv, 'bob'), await register(srv, 'griefer'), await register(srv, 'carol')];
    const a = await connect(srv.wsUrl, alice.token);
    const b = await connect(srv.wsUrl, bob.token);
    const g = await connect(srv.wsUrl, griefer.token);
    const watchers = [await viewer(srv, null), await viewer(srv, alice.token)];
    const put = async (cl, x, y, color) => assert.equal((await cl.placeAndWait(x, y, color, `${x},${y},${color},${Math.random()}`)).type, 'placed');
    // alice and bob paint; the griefer covers both, twice in one place, and empty pixels
    for (let x = 1; x <= 5; x++) await put(a, x, 1, 2);
    for (let x = 1; x <= 5; x++) await put(b, x, 2, 3);
    await put(a, 7, 7, 4);
    await put(b, 7, 7, 5); // bob over alice: the griefer's revert goes back to bob's 5
    for (let x = 1; x <= 5; x++) await put(g, x, 1, 13);
    for (let x = 1; x <= 5; x++) await put(g, x, 2, 13);
    await put(g, 7, 7, 13);
    await put(g, 7, 7, 12);
    for (let x = 10; x <= 14; x++) await put(g, x, 10, 13);
    // carol paints over one of the griefer's pixels afterwards: hers stays
    const c = await connect(srv.wsUrl, carol.token);
    await put(c, 3, 1, 9);
    // a griefer's pixel already covered by someone is not the griefer's any more
    const before = await settled(srv);
    assert.equal(before.get(1, 1), 13);

    const r = runPlaced(['--data-dir', srv.dataDir, '--revert-user', 'griefer']);
    assert.equal(r.code, 0, r.stderr);
    // 4 of row 1 (carol has the 5th), 5 of row 2, (7,7), 5 empty ones
    assert.match(r.stdout, /revert-user griefer: done, 15 pixels changed \(running server\)/);

    const snap = await converged(srv, watchers, lastSeq(r.stdout));
    for (const x of [1, 2, 4, 5]) assert.equal(snap.get(x, 1), 2, `alice's (${x},1)`);
    assert.equal(snap.get(3, 1), 9, "carol's pixel, painted after the griefer, keeps its colour");
    for (let x = 1; x <= 5; x++) assert.equal(snap.get(x, 2), 3, `bob's (${x},2)`);
    assert.equal(snap.get(7, 7), 5, 'back to the colour before the griefer\'s first placement there');
    for (let x = 10; x <= 14; x++) assert.equal(snap.get(x, 10), 0, `empty (${x},10) white again`);
    // the players' own connections saw it too
    await a.pixel(1, 1, 2, 5000);
    await g.pixel(10, 10, 0, 5000);

    // ordinary placements, attributed to the act
    const info = await pixelInfo(srv, 1, 1);
    assert.match(info.placements[0].username, /^admin-revert-[0-9a-f]{8}$/);
    assert.equal(info.placements[0].color, 2);
    assert.equal(info.placements[1].username, 'griefer');
    assert.ok(info.placements[0].seq > info.placements[1].seq);
    // the act did not touch anyone's cooldown: the admin is nobody, players go on
    assert.equal((await c.placeAndWait(20, 20, 1, 'after')).type, 'placed');

    // on record, with the count and the act's name
    const rows = audit(srv.dataDir);
    const rev = rows.find((row) => row.act === 'revert');
    assert.equal(rev.pixels, 15);
    assert.equal(rev.who, me);
    assert.equal(rev.what, `user griefer as ${info.placements[0].username}`);

    // a second revert finds nothing left to change
    const again = runPlaced(['--data-dir', srv.dataDir, '--revert-user', 'griefer']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /done, 0 pixels changed/);
    // an unknown user is refused and changes nothing
    const bad = runPlaced(['--data-dir', srv.dataDir, '--revert-user', 'nobody-here']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /no user named "nobody-here"/);
    // a registration cannot pose as an act
    const res = await fetch(`${srv.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'admin-revert-12345678', password: 'long passphrase 1' }) });
    assert.equal(res.status, 400);
    for (const cl of [a, b, g, c, ...watchers]) cl.close();
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('--revert-user --since reverts only the later placements', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  try {
    const g = await connect(srv.wsUrl, (await register(srv, 'griefer')).token);
    assert.equal((await g.placeAndWait(2, 2, 6, 'old')).type, 'placed');
    await sleep(30);
    const since = new Date().toISOString();
    await sleep(30);
    assert.equal((await g.placeAndWait(2, 2, 13, 'new1')).type, 'placed');
    assert.equal((await g.placeAndWait(3, 3, 13, 'new2')).type, 'placed');
    const r = runPlaced(['--data-dir', srv.dataDir, '--revert-user', 'griefer', '--since', since]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /done, 2 pixels changed/);
    const snap = await settled(srv, lastSeq(r.stdout));
    assert.equal(snap.get(2, 2), 6, 'their placement from before --since stays');
    assert.equal(snap.get(3, 3), 0);
    g.close();
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('--wipe and --restore --at on a region, running and stopped; viewers converge; all on record after a restart', async () => {
  let srv = await startServer({ args: ['--cooldown', '0'] });
  try {
    const p = await connect(srv.wsUrl, null);
    const watchers = [await viewer(srv, null), await viewer(srv, null)];
    const put = async (x, y, color) => assert.equal((await p.placeAndWait(x, y, color, `${x},${y},${color},${Math.random()}`)).type, 'placed');
    // a 4x4 picture at (8,8); (9,8) is already colour 3, so a wipe with 3 changes 63 pixels, and
    // the restore 62 ((8,9) was 3 too at --at)
    for (let y = 8; y < 12; y++) for (let x = 8; x < 12; x++) await put(x, y, (x + y) % 15 + 1);
    await sleep(30);
    const at = new Date().toISOString();
    await sleep(30);
    // scribbled over afterwards
    for (let x = 8; x < 12; x++) await put(x, 9, 14);

    const w = runPlaced(['--data-dir', srv.dataDir, '--wipe', '6,6,8,8', '--color', '3']);
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stdout, /wipe 6,6,8,8: done, 63 pixels changed \(running server\)/);
    let snap = await converged(srv, watchers, lastSeq(w.stdout));
    for (let y = 6; y < 14; y++) for (let x = 6; x < 14; x++) assert.equal(snap.get(x, y), 3);
    assert.equal(snap.get(5, 5), 0, 'outside the rectangle: untouched');
    assert.match((await pixelInfo(srv, 6, 6)).placements[0].username, /^admin-wipe-[0-9a-f]{8}$/);

    const r = runPlaced(['--data-dir', srv.dataDir, '--restore', '6,6,8,8', '--at', at]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /restore 6,6,8,8: done, 62 pixels changed/);
    snap = await converged(srv, watchers, lastSeq(r.stdout));
    for (let y = 6; y < 14; y++) {
      for (let x = 6; x < 14; x++) {
        const want = x >= 8 && x < 12 && y >= 8 && y < 12 ? (x + y) % 15 + 1 : 0;
        assert.equal(snap.get(x, y), want, `(${x},${y}) as it was at --at`);
      }
    }
    // bad input harms nothing
    for (const [args, re] of [[['--wipe', '60,60,10,10'], /not inside the 64x64 canvas/], [['--wipe', '1,2,3'], /X,Y,W,H/],
      [['--restore', '0,0,2,2'], /wants --at/], [['--restore', '0,0,2,2', '--at', 'soon'], /wants --at/], [['--wipe', '0,0,2,2', '--color', '16'], /color/]]) {
      const bad = runPlaced(['--data-dir', srv.dataDir, ...args]);
      assert.notEqual(bad.code, 0, args.join(' '));
      assert.match(bad.stderr, re);
    }
    assert.equal((await settled(srv)).seq, snap.seq, 'nothing was placed by the refused acts');
    for (const cl of [p, ...watchers]) cl.close();

    // no server running: the same acts on the store (cluster mode: Redis, Kafka, PostgreSQL)
    await srv.stop();
    const w2 = runPlaced(['--data-dir', srv.dataDir, '--wipe', '8,8,2,2', '--color', '5']);
    assert.equal(w2.code, 0, w2.stderr);
    assert.match(w2.stdout, /done, 4 pixels changed \(no server running; database updated\)/);
    srv = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '0'] });
    snap = await settled(srv, lastSeq(w2.stdout));
    assert.equal(snap.get(8, 8), 5);
    assert.equal(snap.get(9, 9), 5);
    assert.equal(snap.get(10, 10), (10 + 10) % 15 + 1);

    const rows = audit(srv.dataDir);
    assert.deepEqual(rows.map((row) => [row.act, row.pixels]), [['wipe', 63], ['restore', 62], ['wipe', 4]]);
    assert.match(rows[0].what, /^6,6,8x8 color 3 as admin-wipe-[0-9a-f]{8}$/);
    assert.match(rows[1].what, /^6,6,8x8 as at \d{4}-\d\d-\d\dT[\d:]+Z as admin-restore-[0-9a-f]{8}$/);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

// Makes the audit log refuse every new row (on) or take them again (off): embedded, a trigger
// in place.db; cluster, the Redis key of the log holding a string (RPUSH fails WRONGTYPE).
function blockAudit(dataDir, on) {
  if (cluster) {
    const port = String(JSON.parse(process.env.PLACE_TEST_CLUSTER).redisPort);
    const args = on ? ['SET', '{place}:audit', 'blocked'] : ['DEL', '{place}:audit'];
    execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', port, ...args], { stdio: 'ignore' });
    return;
  }
  const sql = on
    ? "CREATE TRIGGER audit_blocked BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'blocked'); END;"
    : 'DROP TRIGGER audit_blocked;';
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(dataDir, 'place.db'), sql], { stdio: 'ignore' });
}

test('an act is never on the canvas without its audit row: the last pixels and the row are durable together', async () => {
  let srv = await startServer({ args: ['--cooldown', '0'] });
  try {
    const p = await connect(srv.wsUrl, null);
    assert.equal((await p.placeAndWait(1, 1, 7, 'before')).type, 'placed');
    p.close();
    // no server running: the act on the store, whose log refuses the row
    await srv.stop();
    blockAudit(srv.dataDir, true);
    const w = runPlaced(['--data-dir', srv.dataDir, '--wipe', '0,0,4,4', '--color', '5']);
    assert.notEqual(w.code, 0, 'not done: it could not be put on record');
    assert.match(w.stderr, /wipe 0,0,4,4: .*\(0 pixels changed\)/);
    blockAudit(srv.dataDir, false);
    srv = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '0'] });
    let snap = await settled(srv);
    assert.equal(snap.get(1, 1), 7, 'the pixels the refused act would have changed are as they were');
    assert.equal(snap.get(0, 0), 0);
    assert.deepEqual(audit(srv.dataDir), []);

    // a running server: the same (embedded: its writer's transaction; cluster: its Redis)
    blockAudit(srv.dataDir, true);
    const r = runPlaced(['--data-dir', srv.dataDir, '--wipe', '0,0,4,4', '--color', '6']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\(0 pixels changed\)/);
    blockAudit(srv.dataDir, false);
    snap = await settled(srv);
    assert.equal(snap.get(1, 1), 7);
    assert.equal(snap.get(2, 2), 0);
    assert.deepEqual(audit(srv.dataDir), []);

    if (!cluster) {
      // embedded: a ban and its row are one transaction too, running server or not (cluster
      // mode writes the row to Redis right after the act: no transaction spans both there)
      await register(srv, 'alice');
      const banned = () => execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(srv.dataDir, 'place.db'),
        "SELECT is_banned FROM users WHERE name = 'alice'"], { encoding: 'utf8' }).trim();
      blockAudit(srv.dataDir, true);
      const online = runPlaced(['--data-dir', srv.dataDir, '--ban', 'alice']);
      assert.notEqual(online.code, 0, 'not answered ok: its row could not be written');
      await srv.stop();
      assert.equal(banned(), '0', 'the ban was not stored without its row');
      const offline = runPlaced(['--data-dir', srv.dataDir, '--ban', 'alice']);
      assert.notEqual(offline.code, 0);
      assert.equal(banned(), '0');
      blockAudit(srv.dataDir, false);
      assert.equal(runPlaced(['--data-dir', srv.dataDir, '--ban', 'alice']).code, 0);
      assert.equal(banned(), '1');
      assert.deepEqual(audit(srv.dataDir).map((row) => [row.act, row.what]), [['ban', 'user alice']]);
      assert.equal(runPlaced(['--data-dir', srv.dataDir, '--unban', 'alice']).code, 0);
      srv = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '0'] });
    }

    // once the log takes rows again, the act is done and on record with its count
    const ok = runPlaced(['--data-dir', srv.dataDir, '--wipe', '0,0,4,4', '--color', '6']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /done, 16 pixels changed/);
    snap = await settled(srv, lastSeq(ok.stdout));
    assert.equal(snap.get(1, 1), 6);
    assert.deepEqual(audit(srv.dataDir).map((row) => [row.act, row.pixels]).filter(([act]) => act === 'wipe'), [['wipe', 16]]);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

// A second user whose id starts like `id` does (so the guest's shown name names two users).
function addLookalike(dataDir, id) {
  const other = id.slice(0, 8) + (id[8] === 'f' ? '0' : 'f') + id.slice(9);
  if (cluster) {
    const port = String(JSON.parse(process.env.PLACE_TEST_CLUSTER).redisPort);
    execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', port, 'HSET', `{place}:user:${other}`, 'guest', '1'], { stdio: 'ignore' });
  } else {
    execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(dataDir, 'place.db'),
      `INSERT INTO users(id, is_guest, is_admin, is_banned, created) VALUES('${other}', 1, 0, 0, 0);`], { stdio: 'ignore' });
  }
  return other;
}

test('a guest is named as the pixel info shows it (guest-1234abcd): --revert-user, --ban, --unban; an ambiguous name is refused with the ids', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  try {
    const g = await connect(srv.wsUrl, null, { localAddress: '127.0.0.7' });
    const h = await connect(srv.wsUrl, null, { localAddress: '127.0.0.8' });
    const gid = g.messages[0].user.userId;
    for (const x of [30, 31]) assert.equal((await g.placeAndWait(x, 30, 13, `g${x}`)).type, 'placed');
    assert.equal((await h.placeAndWait(32, 30, 4, 'h')).type, 'placed');
    const name = (await pixelInfo(srv, 30, 30)).placements[0].username;
    assert.equal(name, `guest-${gid.slice(0, 8)}`, 'what an admin reads in the pixel info');

    const r = runPlaced(['--data-dir', srv.dataDir, '--revert-user', name]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`revert-user ${name}: done, 2 pixels changed`));
    const snap = await settled(srv, lastSeq(r.stdout));
    assert.equal(snap.get(30, 30), 0);
    assert.equal(snap.get(31, 30), 0);
    assert.equal(snap.get(32, 30), 4, "the other guest's pixel stays");

    const b = runPlaced(['--data-dir', srv.dataDir, '--ban', name, '--reason', 'scribbles']);
    assert.equal(b.code, 0, b.stderr);
    assert.equal((await g.next('banned')).reason, 'scribbles');
    assert.equal((await g.closedWith()).code, 4003);
    const g2 = await connect(srv.wsUrl, null, { localAddress: '127.0.0.7' });
    assert.equal(g2.messages[0].user.isBanned, true, 'starting over from its address: still banned');
    assert.equal((await g2.placeAndWait(33, 30, 5, 'again')).code, 'BANNED');
    assert.equal((await h.placeAndWait(34, 30, 5, 'h2')).type, 'placed', 'the other guest is not touched');
    const u = runPlaced(['--data-dir', srv.dataDir, '--unban', name]);
    assert.equal(u.code, 0, u.stderr);
    assert.equal((await g2.closedWith()).code, 1001, 'sent away to come back as a player');
    const grant = runPlaced(['--data-dir', srv.dataDir, '--grant-admin', name]);
    assert.notEqual(grant.code, 0);
    assert.match(grant.stderr, /is a guest; only registered users can be admins/);
    const none = runPlaced(['--data-dir', srv.dataDir, '--revert-user', gid.startsWith('ffffffff') ? 'guest-eeeeeeee' : 'guest-ffffffff']);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no user named "guest-(f|e){8}"/);

    // two users behind one shown name: refused, the ids listed, nothing done
    const other = addLookalike(srv.dataDir, gid);
    for (const args of [['--revert-user', name], ['--ban', name]]) {
      const amb = runPlaced(['--data-dir', srv.dataDir, ...args]);
      assert.notEqual(amb.code, 0, args.join(' '));
      assert.match(amb.stderr, new RegExp(`"${name}" is ambiguous: 2 users have an id starting with ${gid.slice(0, 8)}`));
      assert.ok(amb.stderr.includes(gid) && amb.stderr.includes(other), amb.stderr);
    }
    const rows = audit(srv.dataDir);
    assert.deepEqual(rows.map((row) => [row.act, row.pixels]), [['revert', 2], ['ban', null], ['unban', null]]);
    assert.match(rows[0].what, new RegExp(`^user ${gid} as admin-revert-[0-9a-f]{8}$`));
    assert.equal(rows[1].what, `user id ${gid}, reason: scribbles`);
    assert.equal(rows[2].what, `user id ${gid}`);
    h.close();
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

// Runs placed without waiting, calling onLine for each line of its stdout.
function runPlacedLive(args, onLine) {
  const proc = spawn(placedPath(), adminArgs(args), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => {
    const lines = (out + d).split('\n');
    out = lines.pop();
    for (const l of lines) onLine(l);
  });
  proc.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve) => proc.on('exit', (code) => resolve({ code, stderr: err })));
}

test('a wipe larger than a chunk shows progress; a player placing meanwhile keeps their pixel', async () => {
  const srv = await startServer({ args: ['--cooldown', '0', '--width', '400', '--height', '400'] });
  try {
    const p = await connect(srv.wsUrl, null);
    const watcher = await viewer(srv, null);
    const lines = [];
    let mine = null;
    const done = runPlacedLive(['--data-dir', srv.dataDir, '--wipe', '0,0,400,400', '--color', '7'], (l) => {
      lines.push(l);
      // the act has begun: what a player places from now on stays
      if (!mine && / of 160000 pixels looked at/.test(l)) mine = p.placeAndWait(399, 399, 2, 'during');
    });
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(mine, `a progress line came: ${lines.join('\n')}`);
    assert.equal((await mine).type, 'placed', 'a player is answered during the act');
    assert.match(lines.at(-1), /wipe 0,0,400,400: done, (159999|160000) pixels changed/);
    assert.ok(lines.some((l) => / 160000 of 160000 pixels looked at/.test(l)), lines.join('\n'));
    const snap = await converged(srv, [watcher], lastSeq(lines.at(-1)));
    assert.equal(snap.get(399, 399), 2, "the player's pixel, placed after the wipe began, stays");
    assert.equal(snap.get(0, 0), 7);
    assert.equal(snap.get(398, 399), 7);
    p.close();
    watcher.close();
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

// A 400x400 wipe of 40 chunks, each in a commit of its own at least 50 ms apart, whose server is
// stopped by stop(srv) at the first progress line; the server is then started again on its data
// directory. Checks what either kind of stop must leave: part of the wipe on the canvas, and the
// act on record as under way, its count unknown. Returns the restarted server (the caller stops
// it), the command's result and output lines, what stop() gave, and the pixels wiped.
async function stopMidAct(stop) {
  const args = ['--cooldown', '0', '--width', '400', '--height', '400', '--commit-ms', '50'];
  const first = await startServer({ args });
  let stopping = null;
  const lines = [];
  let r;
  try {
    r = await runPlacedLive(['--data-dir', first.dataDir, '--wipe', '0,0,400,400', '--color', '7'], (l) => {
      lines.push(l);
      if (!stopping && / of 160000 pixels looked at/.test(l)) stopping = stop(first);
    });
    assert.ok(stopping, 'a progress line came');
  } catch (e) {
    await first.stop();
    first.cleanup();
    throw e;
  }
  const stopped = await stopping;
  const srv = await startServer({ dataDir: first.dataDir, args });
  const snap = await settled(srv);
  let wiped = 0;
  for (let y = 0; y < 400; y++) for (let x = 0; x < 400; x++) if (snap.get(x, y) === 7) wiped++;
  assert.ok(wiped >= 4000 && wiped < 160000, `part of the act is on the canvas (${wiped} pixels)`);
  const rows = audit(srv.dataDir);
  assert.deepEqual(rows.map((row) => [row.act, row.pixels]), [['wipe', null]], 'on record, its count unknown');
  assert.match(rows[0].what, /^0,0,400x400 color 7 as admin-wipe-[0-9a-f]{8} -- under way \(if this stays, the act stopped before its end\)$/);
  return { srv, r, lines, stopped, wiped };
}

test('a server killed in the middle of a large act keeps it on record as under way', async () => {
  const { srv, r, stopped, wiped } = await stopMidAct((s) => s.kill9());
  try {
    assert.equal(stopped.signal, 'SIGKILL');
    assert.notEqual(r.code, 0, 'not reported done');
    // an act that ends replaces its row: one row, with the count
    const again = runPlaced(['--data-dir', srv.dataDir, '--wipe', '0,0,400,400', '--color', '7']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`done, ${160000 - wiped} pixels changed`));
    assert.deepEqual(audit(srv.dataDir).map((row) => [row.act, row.pixels]), [['wipe', null], ['wipe', 160000 - wiped]]);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('a server stopped in the middle of a large act stops it, exits cleanly and keeps it on record as under way', async () => {
  // a clean stop (SIGTERM): the act must let go of the store and the canvas before they are
  // closed (it once went on using both after they were freed)
  const { srv, r, lines, stopped } = await stopMidAct((s) => s.stop());
  try {
    assert.equal(stopped.code, 0, `placed exit status ${JSON.stringify(stopped)}`);
    assert.notEqual(r.code, 0, 'not reported done');
    assert.match(lines.concat(r.stderr).join('\n'), /the server is stopping: the act stopped before its end/);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

// The batch frames a viewer received after seq `after`: how many of their pixels the act put down
// (the act's seqs are the frame's pixels with seq in (after, upTo]).
function actFrames(viewer, after, upTo) {
  return viewer.batches.map((b) => b.pixels.filter((p) => p.seq > after && p.seq <= upTo).length).filter((n) => n > 0);
}

test('an act is paced to its viewers: they get it in many bounded frames, not a few huge ones', async () => {
  // 90,000 pixels, 23 chunks of 4,000 (MODERATE_CHUNK). With a batch interval of 400 ms an act
  // not paced commits most of it while one batch gathers, and the viewer gets it in one or two
  // frames; paced, the next chunk waits while more than 12,000 pixels (PACE_BACKLOG) wait to be
  // published, so no frame carries more than 16,000 of them.
  const srv = await startServer({ args: ['--cooldown', '0', '--width', '320', '--height', '320', '--batch-ms', '400'] });
  try {
    const p = await connect(srv.wsUrl, null);
    assert.equal((await p.placeAndWait(319, 319, 3, 'before')).type, 'placed');
    const watcher = await viewer(srv, null);
    await watcher.pixel(319, 319, 3, 5000);
    const startSeq = (await settled(srv)).seq;
    const lines = [];
    const r = await runPlacedLive(['--data-dir', srv.dataDir, '--wipe', '0,0,300,300', '--color', '7'], (l) => lines.push(l));
    assert.equal(r.code, 0, r.stderr);
    assert.match(lines.at(-1), /wipe 0,0,300,300: done, 90000 pixels changed \(running server\)/);
    assert.ok(lines.some((l) => / 90000 of 90000 pixels looked at/.test(l)), `progress lines: ${lines.join('\n')}`);
    const last = lastSeq(lines.at(-1));
    const snap = await converged(srv, [watcher], last);
    assert.equal(snap.get(0, 0), 7);
    assert.equal(snap.get(299, 299), 7);
    assert.equal(snap.get(319, 319), 3, 'outside the rectangle: untouched');
    const frames = actFrames(watcher, startSeq, last);
    assert.equal(frames.reduce((s, n) => s + n, 0), 90000, 'every pixel of the act reached the viewer once');
    assert.ok(Math.max(...frames) <= 16000, `no frame carries more than 16,000 of the act's pixels: ${frames.join(' ')}`);
    assert.ok(frames.length >= 6, `in at least 6 frames: ${frames.join(' ')}`);
    assert.ok(!watcher.messages.some((m) => m.type === 'resync'), 'the viewer was never told to resync');
    p.close();
    watcher.close();
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('a paced act does not wait for viewers there are not: with nobody watching, a large wipe completes', async () => {
  const srv = await startServer({ args: ['--cooldown', '0', '--width', '256', '--height', '256', '--batch-ms', '200'] });
  try {
    const lines = [];
    const r = await runPlacedLive(['--data-dir', srv.dataDir, '--wipe', '0,0,200,200', '--color', '9'], (l) => lines.push(l));
    assert.equal(r.code, 0, r.stderr);
    assert.match(lines.at(-1), /wipe 0,0,200,200: done, 40000 pixels changed \(running server\)/);
    assert.ok(lines.some((l) => / 40000 of 40000 pixels looked at/.test(l)), lines.join('\n'));
    const snap = await settled(srv, lastSeq(lines.at(-1)));
    assert.equal(snap.get(0, 0), 9);
    assert.equal(snap.get(199, 199), 9);
    assert.equal(snap.get(200, 200), 0);
    // and a viewer that arrives afterwards sees it in its snapshot, then what follows in batches
    const watcher = await viewer(srv, null);
    const p = await connect(srv.wsUrl, null);
    assert.equal((await p.placeAndWait(0, 0, 2, 'after')).type, 'placed');
    await converged(srv, [watcher]);
    p.close();
    watcher.close();
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('a viewer that stops reading slows a paced act down but does not stop it; it gets the act once it reads again', async () => {
  // The stalled viewer's socket takes a few hundred kilobytes (40,000 pixels went through
  // without a wait here), then the broadcast's rounds stay unfinished: each chunk after that
  // waits its bounded time (a second) and goes on. Unbounded, the act would never end.
  const srv = await startServer({ args: ['--cooldown', '0', '--width', '256', '--height', '256', '--ws-sndbuf', '4'] });
  try {
    const stalled = await viewer(srv, null);
    const before = (await settled(srv)).seq;
    stalled.ws._socket.pause();
    const lines = [];
    const r = await runPlacedLive(['--data-dir', srv.dataDir, '--wipe', '0,0,256,256', '--color', '5'], (l) => lines.push(l));
    assert.equal(r.code, 0, r.stderr);
    assert.match(lines.at(-1), /wipe 0,0,256,256: done, 65536 pixels changed \(running server\)/);
    const last = lastSeq(lines.at(-1));
    assert.ok(last > before);
    stalled.ws._socket.resume();
    await converged(srv, [stalled], last);
    stalled.close();
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});
