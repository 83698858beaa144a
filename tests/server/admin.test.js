// Administration through a second `placed` invocation, on a running server and on a stopped
// one; canvas growth on restart and a refused shrink.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, fetchSnapshot, tokenFrom } from './lib/client.js';
import fs from 'node:fs';
import { runPlaced, startServer, tempDir } from './lib/server.js';

const json = { 'content-type': 'application/json' };

async function register(srv, username) {
  const res = await fetch(`${srv.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ username, password: 'long passphrase 1' }) });
  assert.equal(res.status, 200);
  return { token: tokenFrom(res), ...(await res.json()) };
}

async function me(srv, token) {
  return (await fetch(`${srv.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).json();
}

test('ban on a running server: told BANNED and closed at once, the same session views read-only, login refused; unban', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  try {
    const alice = await register(srv, 'alice');
    const bob = await register(srv, 'bob');
    const a = await connect(srv.wsUrl, alice.token);
    const b = await connect(srv.wsUrl, bob.token);
    assert.equal((await a.placeAndWait(1, 1, 2, 'before')).type, 'placed');

    const r = runPlaced(['--data-dir', srv.dataDir, '--ban', 'alice', '--reason', 'griefing "the flag"']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /running server/);

    // at once, without her sending anything: told, then closed
    const told = await a.next('banned');
    assert.equal(told.reason, 'griefing "the flag"');
    assert.equal(told.until, 0);
    assert.equal((await a.closedWith()).code, 4003);
    // her session still names her (so her clients come back as her, not as a fresh guest)...
    const m = await me(srv, alice.token);
    assert.equal(m.userId, alice.userId);
    assert.equal(m.isBanned, true);
    assert.equal(m.banReason, 'griefing "the flag"');
    // ...who may view but not place
    const a1 = await connect(srv.wsUrl, alice.token);
    assert.equal(a1.messages[0].user.isBanned, true);
    const e = await a1.placeAndWait(2, 2, 2, 'after');
    assert.equal(e.type, 'error');
    assert.equal(e.code, 'BANNED');
    assert.equal(a1.closed, null, 'a banned viewer stays connected');
    const login = await fetch(`${srv.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'alice', password: 'long passphrase 1' }) });
    assert.equal(login.status, 403);
    assert.equal((await login.json()).error, 'BANNED');
    // bob is untouched
    assert.equal((await b.placeAndWait(3, 3, 3, 'bob')).type, 'placed');

    const second = runPlaced(['--port', '0', '--listen', '127.0.0.1', '--data-dir', srv.dataDir]);
    assert.notEqual(second.code, 0, 'a second server on the same data directory is refused');
    assert.match(second.stderr, /another placed is running/);

    const bad = runPlaced(['--data-dir', srv.dataDir, '--ban', 'nobody-here']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /no user named/);

    assert.equal(runPlaced(['--data-dir', srv.dataDir, '--unban', 'alice']).code, 0);
    // her watching socket is sent away (1001) to come back as a player: the session opened
    // before the ban places again, and so does a new login
    assert.equal((await a1.closedWith()).code, 1001);
    const a3 = await connect(srv.wsUrl, alice.token);
    assert.equal(a3.messages[0].user.isBanned, false);
    assert.equal((await a3.placeAndWait(5, 5, 5, 'old-session')).type, 'placed');
    a3.close();
    const again = await fetch(`${srv.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'alice', password: 'long passphrase 1' }) });
    assert.equal(again.status, 200);
    const a2 = await connect(srv.wsUrl, tokenFrom(again));
    assert.equal((await a2.placeAndWait(4, 4, 4, 'unbanned')).type, 'placed');

    assert.equal(runPlaced(['--data-dir', srv.dataDir, '--grant-admin', 'bob']).code, 0);
    assert.equal((await me(srv, bob.token)).isAdmin, true);
    a1.close();
    a2.close();
    b.close();
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('admin flags on a stopped server change the database; the restarted server obeys', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  const carol = await register(srv, 'carol');
  assert.equal((await srv.stop()).code, 0);
  try {
    const r = runPlaced(['--data-dir', srv.dataDir, '--ban', 'carol']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no server running/);
    const s2 = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '0'] });
    try {
      const login = await fetch(`${s2.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'carol', password: 'long passphrase 1' }) });
      assert.equal(login.status, 403);
      const m = await me(s2, carol.token);
      assert.equal(m.userId, carol.userId, 'her session still names her');
      assert.equal(m.isBanned, true, 'as banned');
    } finally {
      assert.equal((await s2.stop()).code, 0);
    }
  } finally {
    srv.cleanup();
  }
});

test('an act on a directory where nothing runs and no database is says so, and creates nothing', () => {
  const parent = tempDir();
  try {
    const wrong = `${parent}/mistyped`;
    const r = runPlaced(['--data-dir', wrong, '--ban', 'alice']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nothing runs on .*mistyped and it holds no database \(place\.db\): is --data-dir right\? Nothing was changed\./);
    assert.equal(fs.existsSync(wrong), false, 'the mistyped directory was created');
    // an existing but empty directory stays empty
    fs.mkdirSync(wrong);
    assert.equal(runPlaced(['--data-dir', wrong, '--unban', 'alice']).code, 1);
    assert.deepEqual(fs.readdirSync(wrong), []);
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test('--width/--height: growing keeps every pixel; shrinking is refused with a clear message', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  const c = await connect(srv.wsUrl);
  const pts = [[0, 0, 5], [63, 0, 6], [0, 63, 7], [63, 63, 8], [31, 17, 9]];
  for (const [x, y, col] of pts) assert.equal((await c.placeAndWait(x, y, col, `${x},${y}`)).type, 'placed');
  c.close();
  assert.equal((await srv.stop()).code, 0);
  try {
    const big = await startServer({ dataDir: srv.dataDir, args: ['--width', '100', '--height', '80'] });
    try {
      const { snap } = await fetchSnapshot(big.url);
      assert.equal(snap.width, 100);
      assert.equal(snap.height, 80);
      for (const [x, y, col] of pts) assert.equal(snap.get(x, y), col, `(${x},${y})`);
      assert.equal(snap.get(99, 79), 0);
      assert.equal(snap.get(64, 0), 0);
      assert.equal(snap.seq, pts.length);
    } finally {
      assert.equal((await big.stop()).code, 0);
    }
    const shrink = runPlaced(['--port', '0', '--listen', '127.0.0.1', '--data-dir', srv.dataDir, '--width', '50', '--height', '80']);
    assert.notEqual(shrink.code, 0);
    assert.match(shrink.stderr, /100x80.*refusing to shrink/);
  } finally {
    srv.cleanup();
  }
});

test('flags: --help lists the table; bad values are refused', () => {
  const h = runPlaced(['--help']);
  assert.equal(h.code, 0);
  for (const f of ['--port', '--listen', '--data-dir', '--width', '--height', '--cooldown', '--batch-ms',
    '--cdn-url', '--guests-can-place', '--max-conns-per-ip', '--web-root', '--grant-admin', '--ban', '--unban']) {
    assert.ok(h.stdout.includes(f), f);
  }
  const bad = runPlaced(['--width', 'wide']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--width/);
  assert.equal(runPlaced(['--no-such-flag']).code, 2);
  assert.equal(runPlaced(['--port', '70000']).code, 2);
  const dir = tempDir();
  try {
    const notLocal = runPlaced(['--port', '0', '--listen', '192.0.2.1', '--data-dir', dir]);
    assert.equal(notLocal.code, 1);
    assert.match(notLocal.stderr, /--listen 192\.0\.2\.1/);
    const notAddr = runPlaced(['--port', '0', '--listen', 'example.org', '--data-dir', dir]);
    assert.equal(notAddr.code, 1);
    assert.match(notAddr.stderr, /not an IPv4 or IPv6 address/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--cdn-url: GET /api/v1/canvas redirects there and init names it', async () => {
  const srv = await startServer({ args: ['--cdn-url', 'https://cdn.example.org/canvas.bin'] });
  try {
    const r = await fetch(`${srv.url}/api/v1/canvas`, { redirect: 'manual' });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), 'https://cdn.example.org/canvas.bin');
    const c = await connect(srv.wsUrl);
    assert.equal(c.messages[0].canvasUrl, 'https://cdn.example.org/canvas.bin');
    c.close();
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});
