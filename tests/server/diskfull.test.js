// A full disk: the data directory on a small tmpfs (mounted here; needs root), filled up.
// Placements and registrations are refused with UNAVAILABLE while nothing can be written, the
// server says why on standard error, works again by itself once space returns (with no hole in
// the sequence), and after a kill -9 every acknowledged placement and registration is there.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { connect, fetchSnapshot, tokenFrom } from './lib/client.js';
import { runPlaced, startServer, tempDir } from './lib/server.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const json = { 'content-type': 'application/json' };

function mountTmpfs() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { skip: 'not root: cannot mount a small tmpfs' };
  const dir = tempDir();
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m,mode=0700', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    return { skip: `mount -t tmpfs failed: ${(r.stderr || r.error || '').toString().trim()}` };
  }
  return { dir };
}

// Writes filler until the file system refuses a byte more.
function fill(file) {
  const fd = fs.openSync(file, 'a');
  const chunk = Buffer.alloc(64 * 1024, 7);
  try {
    for (let size = chunk.length; size >= 1; size = Math.floor(size / 2)) {
      for (;;) {
        try { fs.writeSync(fd, chunk, 0, size); } catch (e) { if (e.code === 'ENOSPC') break; throw e; }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

function register(url, username) {
  return fetch(`${url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ username, password: 'correct horse' }) });
}

test('a full disk: UNAVAILABLE, recovery when space returns, nothing acknowledged lost after kill -9', { timeout: 60000 }, async (t) => {
  const m = mountTmpfs();
  if (m.skip) { t.skip(m.skip); console.log(`skipped: ${m.skip}`); return; }
  const dataDir = path.join(m.dir, 'data');
  const filler = path.join(m.dir, 'filler');
  let srv;
  try {
    srv = await startServer({ dataDir, args: ['--cooldown', '0'] });
    const reg = await register(srv.url, 'before_full');
    assert.equal(reg.status, 200);
    const token = tokenFrom(reg);
    assert.equal((await register(srv.url, 'ban_target')).status, 200);
    const c = await connect(srv.wsUrl, token);
    const acked = [];
    for (let i = 0; i < 20; i++) {
      const p = await c.placeAndWait(i, 1, 5, `a${i}`);
      assert.equal(p.type, 'placed');
      acked.push({ x: i, y: 1, color: 5, seq: p.seq });
    }
    // once idle the writer empties the WAL; then the disk is filled to the last byte
    const wal = path.join(dataDir, 'place.db-wal');
    for (let i = 0; i < 100 && fs.statSync(wal).size > 0; i++) await sleep(50);
    assert.equal(fs.statSync(wal).size, 0, 'the WAL was not emptied after a second without writes');
    fill(filler);

    const refused = await c.placeAndWait(30, 2, 9, 'full');
    assert.equal(refused.type, 'error', JSON.stringify(refused));
    assert.equal(refused.code, 'UNAVAILABLE');
    const r2 = await register(srv.url, 'during_full');
    assert.equal(r2.status, 503);
    assert.equal((await r2.json()).error, 'UNAVAILABLE');
    const t2 = tokenFrom(r2); // at most the guest session a cookie-less request gets
    if (t2) assert.equal((await (await fetch(`${srv.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${t2}` } })).json()).isGuest, true);
    assert.match(srv.stderr(), /cannot write place\.db .*the disk is full/);
    // an admin act is not answered "ok" when it could not be stored
    const ban = runPlaced(['--data-dir', dataDir, '--ban', 'ban_target']);
    assert.equal(ban.code, 1, ban.stdout + ban.stderr);
    assert.match(ban.stderr, /could not be saved/);
    // nor a pixel act: it stops at the first chunk that cannot be stored, and says so
    const wipe = runPlaced(['--data-dir', dataDir, '--wipe', '50,50,4,4', '--color', '6']);
    assert.equal(wipe.code, 1, wipe.stdout + wipe.stderr);
    assert.match(wipe.stderr, /wipe 50,50,4,4: error: the store could not be written .*\(0 pixels changed\)/);
    assert.doesNotMatch(wipe.stdout, /done/);

    // space returns: the next placement works, numbered right after the last stored one
    fs.rmSync(filler);
    const back = await c.placeAndWait(31, 2, 11, 'back');
    assert.equal(back.type, 'placed', JSON.stringify(back));
    assert.equal(back.seq, acked[acked.length - 1].seq + 1, 'a refused placement used up a seq');
    acked.push({ x: 31, y: 2, color: 11, seq: back.seq });
    assert.match(srv.stderr(), /place\.db can be written again/);
    const r3 = await register(srv.url, 'during_full');
    assert.equal(r3.status, 200, 'the name of a registration that was not stored is free');
    c.close();
    assert.equal((await srv.kill9()).signal, 'SIGKILL');

    const again = await startServer({ dataDir, args: ['--cooldown', '0'] });
    try {
      const { snap } = await fetchSnapshot(again.url);
      for (const a of acked) assert.equal(snap.get(a.x, a.y), a.color, `(${a.x},${a.y}) seq ${a.seq}`);
      assert.equal(snap.get(30, 2), 0, 'the refused placement is not on the canvas');
      assert.equal(snap.get(50, 50), 0, 'the refused wipe is not on the canvas');
      assert.equal(snap.seq, back.seq);
      for (const name of ['before_full', 'during_full', 'ban_target']) {
        const login = await fetch(`${again.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: name, password: 'correct horse' }) });
        assert.equal(login.status, 200, `${name} can log in after the restart`);
      }
      const me = await (await fetch(`${again.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).json();
      assert.equal(me.username, 'before_full', 'the session answered before the disk filled survives');
      const target = await fetch(`${again.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'ban_target', password: 'correct horse' }) });
      const tc = await connect(again.wsUrl, tokenFrom(target));
      assert.equal((await tc.placeAndWait(40, 40, 3, 'not-banned')).type, 'placed', 'the ban that was not stored did not come back');
      tc.close();
    } finally {
      assert.equal((await again.stop()).code, 0);
    }
  } finally {
    if (srv) await srv.kill9();
    spawnSync('umount', [m.dir]);
    fs.rmSync(m.dir, { recursive: true, force: true });
  }
});
