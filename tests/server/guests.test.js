// Guests cost nothing until they place: a loop of cookie-less requests neither grows the users
// table nor keeps more than --max-guests unplaced guests in memory; a guest that placed (or
// registered) is stored and keeps its id, session and cooldown across a restart; a clean stop
// writes every session's exact expiry.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { connect, tokenFrom } from './lib/client.js';
import { request } from './lib/http.js';
import { startServer } from './lib/server.js';

// These look into the embedded store's SQLite file; the cluster suite (PLACE_TEST_SERVER_HOOK)
// runs the parts that hold in both modes.
const embedded = !process.env.PLACE_TEST_SERVER_HOOK;
const embeddedOnly = { skip: !embedded && 'embedded store only' };

const json = { 'content-type': 'application/json' };
const bearer = (t) => ({ authorization: `Bearer ${t}` });

function sql(dataDir, query) {
  return execFileSync('sqlite3', [path.join(dataDir, 'place.db'), query], { encoding: 'utf8' }).trim();
}

async function me(srv, headers = {}) {
  const res = await fetch(`${srv.url}/api/v1/auth/me`, { headers });
  assert.equal(res.status, 200);
  return { res, body: await res.json() };
}

test('a loop of cookie-less requests stores no guest and keeps at most --max-guests in memory', embeddedOnly, async () => {
  const srv = await startServer({ args: ['--cooldown', '300', '--max-guests', '10', '--max-conns-per-ip', '0', '--guests-per-hour', '0', '--cooldown-scope', 'account'] });
  let restarted = null;
  try {
    // a guest that only looked, and one that placed a pixel
    const idle = await me(srv);
    const idleToken = tokenFrom(idle.res);
    const placer = await me(srv);
    const placerToken = tokenFrom(placer.res);
    const pc = await connect(srv.wsUrl, placerToken);
    assert.equal((await pc.placeAndWait(3, 4, 5, 'p')).type, 'placed');
    pc.close();
    // a viewer whose guest will be forgotten while its socket is open
    const viewer = await connect(srv.wsUrl);
    assert.equal(viewer.messages[0].user.isGuest, true);

    const N = 40;
    const ids = new Set();
    for (let i = 0; i < N; i++) {
      const m = await me(srv);
      assert.ok(tokenFrom(m.res), 'each cookie-less request still gets a guest cookie');
      ids.add(m.body.userId);
      const page = await fetch(`${srv.url}/`);
      assert.equal(page.status, 200);
      await page.arrayBuffer();
      const c = await connect(srv.wsUrl);
      assert.equal(c.messages[0].user.isGuest, true);
      c.close();
    }
    assert.equal(ids.size, N);

    // the guest that placed is still known; the idle one was forgotten (a new guest now)
    assert.equal((await me(srv, bearer(placerToken))).body.userId, placer.body.userId);
    const again = await me(srv, bearer(idleToken));
    assert.notEqual(again.body.userId, idle.body.userId, 'the least recently used unplaced guest is forgotten');
    assert.ok(tokenFrom(again.res), 'and gets a fresh guest cookie');

    // the viewer's guest is gone: its placement is refused and the socket closed, so it reconnects
    const answer = await viewer.placeAndWait(1, 1, 1, 'v');
    assert.equal(answer.type, 'error');
    assert.equal(answer.code, 'UNAVAILABLE');
    assert.equal((await viewer.closedWith()).code, 1001);
    const fresh = await connect(srv.wsUrl);
    assert.equal((await fresh.placeAndWait(2, 2, 2, 'f')).type, 'placed');
    fresh.close();

    assert.equal((await srv.stop()).code, 0);
    // the database holds the two guests that placed and their sessions, nothing of the 3N others
    assert.equal(sql(srv.dataDir, 'SELECT count(*) FROM users'), '2');
    assert.equal(sql(srv.dataDir, 'SELECT count(*) FROM sessions'), '2');
    assert.equal(sql(srv.dataDir, `SELECT count(*) FROM users WHERE id = '${placer.body.userId}'`), '1');

    // after a restart the guest that placed keeps its session, id and cooldown
    restarted = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '300', '--cooldown-scope', 'account'] });
    const back = (await me(restarted, bearer(placerToken))).body;
    assert.equal(back.userId, placer.body.userId);
    assert.equal(back.isGuest, true);
    assert.ok(back.nextPlacement > Date.now() + 250000, `cooldown kept: ${back.nextPlacement}`);
    const c = await connect(restarted.wsUrl, placerToken);
    assert.equal((await c.placeAndWait(5, 5, 5, 'again')).code, 'COOLDOWN');
    c.close();
  } finally {
    if (srv.proc.exitCode === null) await srv.stop();
    if (restarted) assert.equal((await restarted.stop()).code, 0);
    srv.cleanup();
  }
});

test('a guest that registers without placing is stored under the same id', async () => {
  const srv = await startServer();
  let restarted = null;
  try {
    const g = await me(srv);
    const reg = await fetch(`${srv.url}/api/v1/auth/register`, {
      method: 'POST', headers: { ...json, ...bearer(tokenFrom(g.res)) },
      body: JSON.stringify({ username: 'looker', password: 'long passphrase 1' }),
    });
    assert.equal(reg.status, 200);
    assert.equal((await reg.json()).userId, g.body.userId);
    const token = tokenFrom(reg);
    assert.equal((await srv.stop()).code, 0);
    if (embedded) assert.equal(sql(srv.dataDir, "SELECT id || ' ' || is_guest FROM users"), `${g.body.userId} 0`);
    restarted = await startServer({ dataDir: srv.dataDir });
    const back = (await me(restarted, bearer(token))).body;
    assert.equal(back.userId, g.body.userId);
    assert.equal(back.username, 'looker');
    const login = await fetch(`${restarted.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'looker', password: 'long passphrase 1' }) });
    assert.equal((await login.json()).userId, g.body.userId);
  } finally {
    if (srv.proc.exitCode === null) await srv.stop();
    if (restarted) assert.equal((await restarted.stop()).code, 0);
    srv.cleanup();
  }
});

test('a clean stop stores each session\'s exact expiry (it lasts 24 h from its last use)', embeddedOnly, async () => {
  const srv = await startServer();
  try {
    const reg = await fetch(`${srv.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'expiry', password: 'long passphrase 1' }) });
    assert.equal(reg.status, 200);
    const token = tokenFrom(reg);
    await new Promise((r) => setTimeout(r, 1500));
    const usedAt = Date.now();
    await me(srv, bearer(token));
    assert.equal((await srv.stop()).code, 0);
    const expires = Number(sql(srv.dataDir, `SELECT expires FROM sessions WHERE token = '${token}'`));
    assert.ok(expires >= usedAt + 24 * 3600 * 1000, `stored expiry ${expires} is 24 h after the last use ${usedAt}`);
  } finally {
    if (srv.proc.exitCode === null) await srv.stop();
    srv.cleanup();
  }
});

test('a guest flood from one address never pushes out another address\'s unplaced guest', embeddedOnly, async () => {
  const srv = await startServer({ args: ['--cooldown', '0', '--max-guests', '20', '--max-guests-per-ip', '10', '--guests-per-hour', '0', '--max-conns-per-ip', '0'] });
  try {
    // a player at 127.0.0.2 who has not placed yet, with a socket open
    const mine = await request(srv.port, '/api/v1/auth/me', { from: '127.0.0.2' });
    const token = /place_session=([0-9a-f]{64})/.exec(mine.headers['set-cookie'].join(';'))[1];
    const userId = JSON.parse(mine.text).userId;
    const player = await connect(srv.wsUrl, token, { localAddress: '127.0.0.2' });
    // 100 new guests from 127.0.0.1, and a few from other addresses
    for (let i = 0; i < 100; i++) assert.equal((await request(srv.port, '/api/v1/auth/me')).status, 200);
    for (let i = 3; i < 8; i++) assert.equal((await request(srv.port, '/api/v1/auth/me', { from: `127.0.0.${i}` })).status, 200);
    // the player is still who they were, and places
    const again = await request(srv.port, '/api/v1/auth/me', { from: '127.0.0.2', headers: bearer(token) });
    assert.equal(JSON.parse(again.text).userId, userId, 'the unplaced guest of 127.0.0.2 survived');
    assert.equal((await player.placeAndWait(1, 1, 4, 'p')).type, 'placed');
    player.close();
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});
